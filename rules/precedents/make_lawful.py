"""Build rules/precedents/lawful.jsonl: lawful sentences from real published legal texts that use the trigger words.

Source: the LawRefBook/Laws repository (local regulations of seven provinces, State Council regulations,
department rules, national laws), read from a git mirror at one commit. Every `text` is a contiguous sentence
(or one enumerated item) of the source article; nothing is written or reworded here.

Selection is in three steps, all in this file so a reviewer can re-run and check it:
1. candidate sentences: they contain a family's trigger word AND one of that family's "lawful use" patterns
   (notification-only filing, filing review of legislation, a law-based licence, open bidding, merit awards,
   a geographic 本地/当地, a prohibition of designation or restriction, ...);
2. anything that looks like a violation is dropped (local/non-local operators, place of registration, tax
   contribution, designated suppliers, filing as a precondition, ...), and so is every sentence of the
   law this project cites (/work/shared/reference) or of the dev corpus, and near-duplicates
   (exact, or character-bigram containment >= 0.6 either way);
3. a deterministic, spread-out sample: at most a few sentences per document, round-robin over source groups,
   minus the sentences a person rejected on reading (REJECT below).

Run:  python3 rules/precedents/make_lawful.py [--mirror DIR] [--list]   (--list prints candidates, writes nothing)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRROR = Path("/work/.mirror/LawRefBook+Laws/repo")
REPO_URL = "https://github.com/LawRefBook/Laws"
REFERENCE = Path("/work/shared/reference")
DEV = Path("/work/shared/corpus/dev.jsonl")

# --- source groups: (path prefix in the repository, batch id, default publisher) --------------------------------
GROUPS = [
    ("DLC/浙江地方法规/", "lawref-dlc-zhejiang", None),
    ("DLC/山东地方法规/", "lawref-dlc-shandong", None),
    ("DLC/河南地方法规/", "lawref-dlc-henan", None),
    ("DLC/上海地方法规/", "lawref-dlc-shanghai", None),
    ("DLC/北京地方法规/", "lawref-dlc-beijing", None),
    ("DLC/重庆地方法规/", "lawref-dlc-chongqing", None),
    ("DLC/广东地方法规/", "lawref-dlc-guangdong", None),
    ("部门规章/市场监督管理总局/", "lawref-dept-samr", "国家市场监督管理总局"),
    ("部门规章/公安部/", "lawref-dept-mps", "公安部"),
    ("部门规章/", "lawref-dept-other", None),
    ("行政法规/", "lawref-state-council", "国务院"),
    ("经济法/", "lawref-law-economic", "全国人民代表大会常务委员会"),
    ("行政法/", "lawref-law-administrative", "全国人民代表大会常务委员会"),
    ("社会法/", "lawref-law-social", "全国人民代表大会常务委员会"),
    ("民法商法/", "lawref-law-civil-commercial", "全国人民代表大会常务委员会"),
]

# --- families: trigger words, lawful-use patterns --------------------------------------------------------------
TRIGGERS = {
    "filing": r"备案|登记|审批|核准|审核",
    "negative_list": r"准入|许可|资质|负面清单|审批|禁止|限制|条件",
    "fair_competition": r"本地|当地|注册|奖励|补贴|补助|招标|优先|指定|限定|入驻|纳税|采购|目录|名录|扶持|资金",
}
LAWFUL = {
    "filing": [
        ("filing-not-precondition", r"备案.{0,30}(不得|不作为|不属于|不以).{0,20}(审批|许可|前置|条件|核准)|不得.{0,20}备案.{0,12}(审批|许可|前置|条件)"),
        ("filing-review-of-legislation", r"备案审查|规范性文件.{0,20}备案|规章.{0,20}备案|报.{0,20}人民代表大会常务委员会.{0,6}备案"),
        ("filing-report-to-authority", r"(报|送|提请|报送).{0,30}(部门|机构|机关|人民政府|国务院|委员会).{0,8}备案|报送备案"),
        ("filing-after-the-fact", r"(之日起|后).{0,12}(日|个工作日|个月)内.{0,40}备案|备案.{0,20}(存档|备查|告知|公示|公布)"),
        ("registration-service", r"(当场|即时|依法|及时)(予以)?(登记|办理登记|办理备案)|登记.{0,10}(不收取|免费|不得收取)|(登记机关|登记部门).{0,30}(应当|不得)"),
        ("approval-simplified", r"(简化|取消|减少|压缩|不得增设|不得另设|不得擅自增加).{0,20}(审批|核准|审核|备案)|(审批|核准).{0,10}(时限|期限).{0,10}(缩短|压缩)"),
        ("filing-information", r"备案.{0,20}(信息|材料齐全|形式审查|不符合.{0,6}补正)|备案信息|材料齐全"),
    ],
    "negative_list": [
        ("national-negative-list", r"负面清单|非禁即入|平等进入|依法平等"),
        ("licence-set-by-law", r"(依法|依照.{0,20}(法|条例)|按照国家.{0,10}规定).{0,10}(取得|申请|办理).{0,20}(许可|资质|执照|证)"),
        ("no-extra-barrier", r"不得.{0,30}(设置|设定|增设|附加|提高).{0,20}(准入|门槛|条件|限制|许可)|(不得|禁止).{0,20}(变相|违法).{0,10}(许可|审批|准入)"),
        ("licence-procedure", r"(许可|审批|资质)(申请|决定|机关|条件).{0,30}(公开|公示|应当|法定|依法)|(准予|不予)(许可|行政许可)|作出(准予|不予).{0,4}(行政)?许可"),
        ("market-access-general", r"市场准入|准入(制度|条件|标准|管理)"),
    ],
    "fair_competition": [
        ("open-bidding", r"(公开招标|招标投标|招投标|竞争性谈判|竞争性磋商|公开竞争|公开择优|公开遴选|公开、公平|公平、公正|公开透明)"),
        ("equal-treatment", r"(平等对待|一视同仁|各类市场主体|各类所有制|所有制形式|公平竞争|平等参与|平等享受|不得歧视|内外资)"),
        ("merit-award", r"(作出|有)(显著|突出)(成绩|贡献).{0,30}(奖励|表彰)|(举报|检举).{0,30}奖励|奖励.{0,20}(举报|检举)"),
        ("subsidy-by-rule", r"(按照|依照|根据)(国家|省|有关)?.{0,12}(规定|标准|政策).{0,20}(给予|享受|发放)?.{0,6}(补贴|补助|奖励|扶持)"),
        ("geographic-local", r"本地区|当地人民政府|当地(居民|群众|村民|气候|自然|生态|实际|风俗|特点)|本地(实际|特点|文化|居民)"),
        ("no-designation", r"(不得|禁止|严禁|任何单位和个人不得).{0,30}(指定|限定|强制|强迫|排除|限制竞争|搭售)"),
        ("designated-place", r"(指定|划定|规定)的?(地点|场所|区域|路线|时间|位置|范围)"),
        ("public-priority", r"优先(保障|安排|发展|保护|考虑|满足|用于|支持|配置)"),
        ("lists-published", r"(目录|名录).{0,20}(向社会公布|公布|公开|动态调整)|(公布|编制|制定).{0,20}(目录|名录)"),
        ("procurement-by-law", r"政府采购|依法采购|采购.{0,10}(公开|依法)"),
        ("tax-duty", r"依法(纳税|缴纳)"),
    ],
}

# Violation look-alikes: never taken, whatever the lawful pattern says.
VIOLATION_LOOK = [
    r"外地|外省|外市|非本|本地(企业|产品|商品|供应|生产|配套|经营者|注册|单位|服务|品牌|采购|劳务)",
    r"本(市|省|县|区|地区|镇)(企业|产品|经营者|生产|注册|纳税|供应商|单位和个人优先)",
    r"注册地|在本(市|省|县|区)(注册|登记|设立)|(注册|落户)在",
    r"(纳税|税收|地方贡献|经济贡献|综合贡献|地方财力).{0,10}(奖励|返还|补贴|挂钩|贡献)|(奖励|返还).{0,8}(纳税|税收)|税收(返还|奖励)|先征后返",
    r"备案后方可|经备案.{0,4}(后|方可)|未经备案.{0,6}不得|备案.{0,10}(同意|批准|审核同意|核准后)|(同意|批准).{0,8}备案",
    r"(?<!不得)(?<!禁止)(?<!不)(指定|限定).{0,12}(企业|公司|机构|单位|供应商|经营者|服务商|品牌|产品)",
    r"(?<!不得)(?<!禁止)(?<!不)强制.{0,8}(使用|购买|参加|加入|安装|接受)",
    r"优先(采购|选用|使用|购买|录用|承担|承接|安排.{0,6}企业)|同等条件下.{0,10}优先",
    r"保证金|押金|一律|只能|仅限|方可进入|不予受理",
    r"入驻|独家|唯一|垄断经营|特许经营|专营|专产",
    r"缴纳的税|地方财政性收入|税收.{0,20}(奖励|补助|返还|挂钩)",
    r"对符合条件的.{0,12}(发给|出具).{0,10}备案|备案(证明|证书|合格证)",
    r"(区属|市属|县属|省属)(企业|国有)",
    r"转为中介服务|限额管理|数量控制|总量控制.{0,6}(经营|车辆|企业)|投放总量|共享交通|互联网租赁自行车",
    r"^（[一二三四五六七八九十]+）.{0,40}(设置|设定|限定|排斥|限制|要求|谋取).{0,40}的[；。]?$",
    r"征得.{0,12}同意后|(许可|审批).{0,12}前.{0,6}征求.{0,20}意见",
    r"(制定|提出|明确|设定).{0,12}准入(条件|标准|要求|名录)|准入名录",
    r"自主创新产品|本地(登记|设立)|作为.{0,25}资格条件|经.{0,12}同意.{0,6}(并|后).{0,10}登记",
]

WHY_ZH = {
    "filing-not-precondition": "明确备案不作为许可或前置条件",
    "filing-review-of-legislation": "“备案”指法规、规章、规范性文件的报备和备案审查（立法监督），与市场主体无关",
    "filing-report-to-authority": "向主管机关报送备案（事后告知或上下级报备），不以备案作为从事活动的前提",
    "filing-after-the-fact": "活动发生后限期备案或备案信息公示，告知性质",
    "registration-service": "登记机关依法办理登记的程序和服务要求",
    "approval-simplified": "简化、取消或压减审批，不增设条件",
    "filing-information": "备案信息的报送、核验、公示，或材料齐全即予受理",
    "national-negative-list": "按照国家负面清单管理，清单以外平等进入",
    "licence-set-by-law": "法律、行政法规已设定的许可或资质，依法取得",
    "no-extra-barrier": "禁止增设条件、设置障碍或附加不合理条件",
    "licence-procedure": "依法定条件和程序作出许可决定",
    "market-access-general": "国家统一的市场准入制度或放宽准入",
    "open-bidding": "通过招标投标等公开竞争方式选择，或依法监督招投标",
    "equal-treatment": "平等对待各类市场主体、公平竞争",
    "merit-award": "对举报或突出贡献的表彰奖励，不针对特定经营者",
    "subsidy-by-rule": "按照国家或上级规定的条件给予补贴、奖励，条件公开",
    "geographic-local": "“本地/当地”指地域或当地政府，不区分经营者来源",
    "no-designation": "禁止指定、限定或强制交易",
    "designated-place": "“指定/规定”的是地点、区域、时间或路线，不是经营者",
    "public-priority": "基于公共利益或客观标准的优先安排，不指向特定经营者",
    "lists-published": "依法编制并公布目录、名录，目录不涉及指定经营者",
    "procurement-by-law": "依法实施政府采购或落实国家采购政策",
    "tax-duty": "依法纳税的义务，不与奖补挂钩",
}

# Business wording: such sentences are taken first (they are the hard negatives a policy checker meets).
ECON = r"企业|经营|市场|项目|投资|产业|商事|许可|资金|中介|供应商|采购|招标|投标|补贴|奖励|扶持|登记机关|营业执照"

SECTORS = [
    ("食品|餐饮|农产品|种子|农药|兽药|畜|粮食|渔业", "农业/食品"),
    ("药品|医疗器械|化妆品|医疗|卫生|中医|疾病|职业病|母婴|戒毒|器官|托育", "医药卫生"),
    ("交通|道路|车辆|机动车|出租汽车|港口|航道|航空|船舶|公路|运输|停车|驾驶", "交通运输"),
    ("建筑|建设|工程|规划|房屋|物业|住房|不动产|绿色建筑|装修|土地|城乡", "住房城乡建设/自然资源"),
    ("环境|污染|垃圾|噪声|水|湿地|生态|林|河|湖|排水|能源|节能|气象|地震|防汛|干旱", "生态环境/资源能源"),
    ("政府采购|招标|投标|预算|财政|审计|统计", "财政/政府采购"),
    ("公司|证券|基金|保险|金融|信用|电子商务|合作社|企业|营商环境|中小企业|市场主体|商事|外商投资|自由贸易|开发区|产业|价格", "市场主体/营商环境"),
    ("教育|学校|幼儿园|教师|学位|科学技术|科技|专利|知识产权|文物|文化|旅游|会展|体育", "教科文旅"),
    ("劳动|就业|社会保险|工资|残疾人|妇女|未成年人|慈善|救助|志愿|侨|婚姻|家庭", "社会/劳动"),
    ("电信|互联网|数据|网络|出版", "信息通信/出版"),
    ("公安|安全|治安|消防|危险|国家安全|突发事件|应急", "公共安全/应急"),
]


def sector_of(title: str, text: str) -> str:
    for pat, name in SECTORS:
        if re.search(pat, title):
            return name
    for pat, name in SECTORS:
        if re.search(pat, text):
            return name
    return "综合"

# Read by a person and rejected (first 30 characters of the text); each with the reason.
REJECT: dict[str, str] = {
    '（一）应当采用公开招标方式而擅自采用其他方式采购的': '列举的违法情形',
    '环境信用评价结果应当作为政府采购、公共资金项目招投标、安排和': '以信用评价结果作为采购招投标考量，性质不确定',
    '（四）重污染项目市场准入负面清单、重点排污单位名录': '地方重污染项目准入负面清单',
    '禁止引进、新建、改建、扩建不符合产业政策、不符合环境准入条件': '地方产业准入负面清单',
    '建设单位应当在办理商品房预售许可或者现房销售备案前，通过物业': '以发布招标公告作为备案的前提',
    '天然气管理部门应当建立具备相应资质的天然气设施安装、改装、拆': '政府建立具体企业目录清单，可能起指定作用',
    '人力资源服务机构被列入本地区服务业重点企业名录和高新技术企业': '列入本地区重点企业名录即享受优惠',
    '出租汽车经营者增加、减少或者更新车辆的，应当报市交通行政主管': '增减车辆须报核准，出租车数量控制',
    '（一）违法实施行政许可或者备案审查的': '列举的违规情形',
    '在梅江河流域河流、水库新建、改建或者扩大排污口，应当经自治县': '许可前须经另一部门同意',
    '（四）以与业务能力无关的规模、成立年限和明显超过项目要求的业': '列举的违规情形（以规模、成立年限作资格条件）',
    '（二）以在本地登记、注册或者设立分支机构等作为参与政府采购、': '列举的违规情形（以本地登记作资格条件）',
    '对境内自然人、法人和非法人组织的科技创新产品、服务，在功能、': '政府采购应当购买境内主体的产品，有来源区分',
    '(六)省、自治区、直辖市(含计划单列市，下同)人民政府的劳动': '组织本地区企业评优升级，旧规，性质不确定',
    '市和县（市、区）人民政府应当加强“中国黄酒之都、世界美酒产区': '单一地方产业专项扶持',
    '自主创新示范区应当加大科技型企业培育力度，建立科创板企业培育': '科创企业培育库，选择性扶持，性质不确定',
    '交通运输行政主管部门或者其他有关部门应当综合考虑企业条件、运': '许可时综合考虑运力配置和需求，近于数量控制',
    '(五)对依照本条例规定在其他地方取得许可的特种设备生产单位重': '列举的违规情形（重复许可）',
    '对新申请宅基地或者改变、扩大原有宅基地面积的，核发乡村建设规': '核发许可前须征求其他部门意见',
    '对列入严重失信名单的房地产开发企业和企业法定代表人、主要负责': '地方规定的失信限制准入，依据不明',
    '自贸试验区加强环境保护工作，建立严格的环境保护准入制度，引导': '地方设环境保护准入制度，性质不确定',
    '发展和改革、经济和信息化等行政主管部门制定产业政策、投资项目': '地方投资项目指导目录限制，性质不确定',
    '建立电子元器件和集成电路交易平台，确立相关市场准入的实验标准': '地方确立市场准入实验标准',
    '对急需的药品、医疗器械和防疫物资市场准入实行联审。': '市场准入联审，性质不确定',
    '依法设立的乡镇企业，应在工商登记注册后三十日内向县级乡镇企业': '登记备案后方享受优惠，备案与待遇挂钩',
    '逾期不改正的，将未经备案的民间资金管理企业、民间融资信息服务': '未经备案即公示处罚，性质不确定',
    '印刷企业接受出版单位委托印刷图书、期刊的，必须验证并收存出版': '印刷前事前备案',
    '（一）违反法律、法规规定的权限和程序实施行政许可与备案审查': '列举的违规情形',
    '农民个人或合伙从事工商业经营，符合企业条件的，工商行政管理部': '限定登记类型，旧规',
    '农村集体经济组织财会人员的任免，经农村集体经济组织全体成员会': '任免须经考核批准',
    '商事调解组织应当经司法行政部门同意，并依法登记为非营利组织。': '登记前须经司法行政部门同意',
    '(六)依法必须进行招标的项目非法限定潜在投标人或者投标人的所': '列举的违法情形（限定投标人所有制），单独看就是违规描述',
    '鼓励各区人民政府结合本地区实际，主导设立主要为本辖区内中小企': '政策性担保机构主要服务本辖区中小企业，有地域指向',
    '（四）利用职权或者职务上的影响，违反规定在企业关系国有资产出': '列举的违纪情形，不是政策条款',
    '市和县（市）区人民政府应当建立自主创新产品的政府采购制度。': '自主创新产品政府采购制度，已被清理的歧视性做法',
    '实验区应当制定产业政策与准入标准，创新资金、土地供应和物业使': '地方实验区自定准入标准',
    '建筑垃圾运输企业的准入条件、申请程序、准入名录、退出条件、退': '地方制定建筑垃圾运输企业准入条件和名录，与通报案例同类',
    '（一）未明确入网食品经营者的准入标准和食品安全责任的': '列举的违法情形',
    '新区管委会应当按照产业政策导向，执行国家、省有关产业政策确定': '地方新区执行产业准入标准，性质不确定',
    '（二）在市场准入等领域设置不合理的限制或者排斥条件的': '列举的违法情形（设置不合理限制）',
    '（七）要求已经依照本法规定在其他地方取得许可的特种设备生产单': '列举的违法情形（重复许可）',
    '交通运输、城市管理（综合行政执法）、公安等部门应当按照职责分': '互联网租赁自行车投放总量调控、市场准入',
    '（一）不符合行政许可条件准予行政许可的': '列举的违法情形',
    '在轨道交通安全保护区内进行下列作业的，作业单位应当制定安全防': '许可前须征得运营单位同意',
    '在保护区内进行下列作业活动的，城乡规划、建设、城市管理、交通': '许可前征求运营单位意见',
    '道路运输管理机构做出的行政许可决定应当符合法定的条件、程序和': '许可决定须符合本市交通发展规划，附加地方条件',
    '境外非政府组织代表机构应当于每年12月31日前将包含项目实施': '业务主管单位同意后备案，近于审批',
    '情节严重的，责令停产停业、由备案部门取消备案或者由原发证部门': '不予办理备案的处罚，单独看像拒绝备案',
    '印刷企业接受所在地省、自治区、直辖市以外的出版单位的委托印刷': '省外出版单位委托须事先备案，区分本地外地',
    '工程施工单位应当编制建筑垃圾处理方案，采取污染防治措施，并在': '开工前事前备案，性质不确定',
    '招标投标监管部门在办理电梯采购项目招标文件备案时，应当督促招': '借招标文件备案推动评审内容',
    '在境外合法成立并存续五年以上、实质性开展商事调解业务，且具有': '境外商事调解机构设置存续年限等条件',
    '消防产品质量认证、消防设施检测、消防安全监测等消防技术服务机': '消防技术服务机构备案并公布名录，性质不确定',
    '产业集聚区内符合规定条件的企业、项目，其所缴纳的税收所形成的': '与纳税形成的地方财政收入挂钩的奖励性补助，属税收奖励类，像违规',
    '省人民政府有关部门对设区的市人民政府确定的优先发展产业集群，': '对特定产业集群重点支持，是否选择性扶持不确定',
    '县级以上地方人民政府及其有关部门应当确定适合残疾人生产、经营': '确定某些产品由特定单位专产，外观即排他',
    '市经济信息化部门应当会同相关部门编制创新产品推荐目录，并实施': '创新产品推荐目录并配套支持政策，推荐目录可能形成歧视',
    '市、县（市、区）人民政府应当根据国家、省有关市场准入的限制性': '地方自定产业准入要求，可能构成地方准入壁垒',
    '市、县（区）人民政府应当加强对共享交通工具的准入管理和经营服': '对共享交通工具地方准入管理，与已通报案例同类',
    '实施区域节能评估制度的特定区域应当依法制定固定资产投资项目节': '地方制定审查负面清单，性质不确定',
    '物业主管部门应当自收到前款规定资料之日起十日内，对符合条件的': '对符合条件的发给备案证明，审查性备案',
    '建设工程未经规划核实或者经规划核实不符合规划许可要求的，建设': '以规划核实为备案、登记前提，脱离上下文易误读',
    '（三）将现有或者已经取消的行政审批事项，转为中介服务': '列举禁止行为的一项，单独看像违规',
    '实验区可以在产业投资强度、产出效益、吸纳就业、技术引领、产业': '地方设定优先准入条件',
    '市级负有安全生产监督管理职责的部门对中央在渝企业、市属企业依': '按中央在渝企业、市属企业区分管理',
    '两省一市可以根据水环境综合治理需要，制定严于国家规定的产业准': '地方可定严于国家的产业准入条件',
    '负面清单管理制度由省发展改革部门会同省自然资源、生态环境、经': '地方负面清单管理制度，所指不明',
}

REJECTED = {k[:30].rstrip("。；") for k in REJECT}

PUNCT = set("，。；：、（）()“”\"'《》,.;:!?！？ 　")
MIN_LEN, MAX_LEN = 18, 160
PER_DOC = 3
TARGET = {"fair_competition": 180, "negative_list": 160, "filing": 150}
# Lawful uses that look most like violations: taken twice as often in the rotation.
PRIORITY = {"equal-treatment", "no-designation", "no-extra-barrier", "national-negative-list", "filing-not-precondition",
            "filing-information", "approval-simplified", "subsidy-by-rule", "open-bidding"}
FAMILY_PREFIX = {"fair_competition": "LAW-FC", "negative_list": "LAW-NL", "filing": "LAW-FIL"}


def git(mirror: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(mirror), "-c", "core.quotepath=off", *args],
                          check=True, capture_output=True).stdout


def bigrams(text: str) -> set[str]:
    chars = [c for c in text if c not in PUNCT]
    return {chars[i] + chars[i + 1] for i in range(len(chars) - 1)}


def expired_names(mirror: Path) -> set[tuple[str, str]]:
    """(name, publish date) of versions the LawRefBook databases mark as expired."""
    out = set()
    dbs = [p for p in git(mirror, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
           if p.endswith("db.sqlite3")]
    for p in dbs:
        with tempfile.NamedTemporaryFile(suffix=".db") as tmp:
            tmp.write(git(mirror, "show", f"HEAD:{p}"))
            tmp.flush()
            con = sqlite3.connect(tmp.name)
            for name, publish, expired in con.execute("select name, publish, expired from law"):
                if expired:
                    out.add((name, str(publish or "")))
            con.close()
    return out


DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def header_facts(header: list[str], default_publisher: str | None) -> tuple[str, str]:
    """(publisher, date of the latest adoption/revision) as the document's own header states them."""
    date, publisher = "", default_publisher or ""
    header = [unicodedata.normalize("NFKC", line) for line in header]
    for line in header:
        m = DATE.search(line)
        if m and re.search(r"通过|修正|修订|批准|公布|发布", line):
            date = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    for line in header:
        m = re.search(r"([\u4e00-\u9fa5（）]{2,20}?)第[一二三四五六七八九十百零〇\d]+届人民代表大会(常务委员会)?", line)
        if m and "通过" in line and not default_publisher:
            publisher = m.group(1) + "人民代表大会" + (m.group(2) or "")
            break
        m = re.search(r"([\u4e00-\u9fa5]{2,20}?)令", line)
        if m and not default_publisher:
            publisher = m.group(1)
            break
    return publisher, date


def sentences(body: str):
    """(article label, sentence) for every sentence of every article; enumerated items count as sentences."""
    article = ""
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("<!--"):
            continue
        m = re.match(r"(第[一二三四五六七八九十百零〇]+条)\s*", line)
        if m:
            article = m.group(1)
            line = line[m.end():]
        for s in re.findall(r"[^。；]+[。；]?", line):
            yield article, s.strip()          # as written, closing 。 or ； included


def load_documents(mirror: Path):
    expired = expired_names(mirror)
    paths = [p for p in git(mirror, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
             if p.endswith(".md") and not p.endswith("_index.md")]
    for path in paths:
        group = next((g for g in GROUPS if path.startswith(g[0])), None)
        if not group:
            continue
        m = re.search(r"\((\d{4}-\d{2}-\d{2})\)\.md$", path)
        version = m.group(1) if m else ""
        name = Path(path).stem.split("(")[0]
        if (name, version) in expired:
            continue
        text = git(mirror, "show", f"HEAD:{path}").decode("utf-8", "replace")
        head, _, body = text.partition("<!-- INFO END -->")
        lines = [line.strip() for line in head.splitlines() if line.strip()]
        title = lines[0].lstrip("# ").strip() if lines else name
        publisher, date = header_facts(lines[1:], group[2])
        date = date or version
        if not publisher or not date:
            continue          # a document whose header names neither who adopted it nor when: not used
        yield {"path": path, "batch": group[1], "title": title, "publisher": publisher,
               "date": date, "body": body}


def forbidden_texts() -> list[set[str]]:
    out = []
    for p in sorted(REFERENCE.glob("*.md")) if REFERENCE.exists() else []:
        for s in re.split(r"[。；\n]", p.read_text(encoding="utf-8")):
            if len(s) >= 10:
                out.append(bigrams(s))
    if DEV.exists():
        for line in DEV.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(bigrams(json.loads(line).get("text", "")))
    for p in sorted(HERE.glob("*.jsonl")):
        if p.name == "lawful.jsonl":
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(bigrams(json.loads(line).get("text", "")))
    return [b for b in out if b]


def near(a: set[str], b: set[str]) -> bool:
    inter = len(a & b)
    return inter >= 0.6 * min(len(a), len(b))


def classify(s: str):
    """(family, lawful pattern name) of the first family whose trigger and lawful pattern both match."""
    for family in ("filing", "negative_list", "fair_competition"):
        if not re.search(TRIGGERS[family], s):
            continue
        for name, pat in LAWFUL[family]:
            if re.search(pat, s):
                return family, name
    return None


def candidates(mirror: Path):
    for doc in load_documents(mirror):
        for article, s in sentences(doc["body"]):
            if not (MIN_LEN <= len(s) <= MAX_LEN):
                continue
            if any(re.search(p, s) for p in VIOLATION_LOOK):
                continue
            hit = classify(s)
            if not hit:
                continue
            yield doc, article, s, hit


def order_key(s: str) -> str:
    """A fixed pseudo-random order. (The key reads a closing ； as 。, and drops it after an enumerated item, as an
    earlier version of this script did; keeping the key keeps the reviewed sample unchanged.)"""
    if s.endswith("；"):
        s = s[:-1] if re.match(r"（[一二三四五六七八九十]+）", s) else s[:-1] + "。"
    return hashlib.sha1(s.encode()).hexdigest()


def blob_url(commit: str, path: str) -> str:
    return f"{REPO_URL}/blob/{commit}/" + urllib.parse.quote(path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", type=Path, default=MIRROR)
    ap.add_argument("--list", action="store_true", help="print the chosen sample for reading; write nothing")
    ap.add_argument("--out", type=Path, default=HERE / "lawful.jsonl")
    args = ap.parse_args()
    commit = git(args.mirror, "rev-parse", "HEAD").decode().strip()
    forbid = forbidden_texts()

    pool: dict[tuple[str, str], list] = defaultdict(list)      # (family, batch) -> candidates
    for doc, article, s, (family, why) in candidates(args.mirror):
        if s[:30].rstrip("。；") in REJECTED:
            continue
        pool[(family, doc["batch"])].append((doc, article, s, why))

    rng = random.Random(20261204)
    chosen: list[tuple] = []
    taken: list[set[str]] = []
    per_doc: Counter = Counter()
    for family in ("fair_competition", "negative_list", "filing"):
        queues = {}
        for (fam, batch), items in sorted(pool.items()):
            if fam == family:
                # a fixed order that does not move when one sentence is rejected
                items = sorted(items, key=lambda x: order_key(x[2]))
                # business wording last in the list, so that pop() takes it first
                items.sort(key=lambda x: bool(re.search(ECON, x[2])))
                # spread the lawful-use patterns: interleave by pattern name
                by_why = defaultdict(list)
                for it in items:
                    by_why[it[3]].append(it)
                mixed = []
                while any(by_why.values()):
                    for w in sorted(by_why):
                        for _ in range(2 if w in PRIORITY else 1):
                            if by_why[w]:
                                mixed.append(by_why[w].pop())
                queues[batch] = mixed
        n = 0
        while n < TARGET[family] and any(queues.values()):
            for batch in sorted(queues):
                q = queues[batch]
                while q:
                    doc, article, s, why = q.pop(0)
                    if per_doc[doc["path"]] >= PER_DOC:
                        continue
                    b = bigrams(s)
                    if any(near(b, f) for f in forbid) or any(near(b, t) for t in taken):
                        continue
                    chosen.append((family, doc, article, s, why))
                    taken.append(b)
                    per_doc[doc["path"]] += 1
                    n += 1
                    break
                if n >= TARGET[family]:
                    break

    rows = []
    counters: Counter = Counter()
    for family, doc, article, s, why in chosen:
        if s not in doc["body"]:          # every text is a contiguous piece of its source file
            raise SystemExit(f"not found verbatim in {doc['path']}: {s}")
        counters[family] += 1
        rows.append({
            "id": f"{FAMILY_PREFIX[family]}-{counters[family]:03d}",
            "text": s,
            "label": "compliant",
            "family": family,
            "basis": None,
            "sector": sector_of(doc["title"], s),
            "kind": "verbatim",
            "source_title": doc["title"],
            "source_url": blob_url(commit, doc["path"]),
            "publisher": doc["publisher"],
            "batch": doc["batch"],
            "date": doc["date"],
            "note": f"《{doc['title']}》{article}。合法之处：{WHY_ZH[why]}（{why}）",
            "via": REPO_URL,
        })
    if args.list:
        for r in rows:
            print(r["id"], r["batch"], r["note"].rsplit("（", 1)[1].rstrip("）"), "|", r["text"])
        print(Counter(r["family"] for r in rows), file=sys.stderr)
        print(Counter(r["batch"] for r in rows), file=sys.stderr)
        return 0
    with args.out.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} sentences -> {args.out}", Counter(r["family"] for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
