"""Build rules/precedents/supplement.jsonl: published violations that make_fair_competition.py's automatic
extraction left out, picked by hand from the same transcriptions (GFXfly/fair-review-system, one commit).

make_fair_competition.py takes a clause only when the release quotes it after 规定/明确/要求… or when a fixed
pattern finds the release's own description of the requirement. Many releases word it otherwise ("文件规定：一是…",
"经查，当事人……要求……", "【基本案情】…规定…"), so whole releases gave nothing. Each entry below names the seed
script, the case (a piece of its title), and the text taken — a contiguous piece of that case's `content` (the
release's words as transcribed; never the repository author's title/analysis fields). This script checks that
every text is such a piece (whitespace ignored), drops near-duplicates of the dev corpus and of every other
precedent file (exact, or character-bigram containment >= 0.6 either way), and writes the file.

Left out on purpose (as in make_fair_competition.py): releases that only narrate an act (a tender or contract that
picked one or two firms, with no clause), quotations the transcriber cut in the middle (…, ...), and releases whose
"cases" name no document and read as summaries (益阳（二）, 海西州 2025).

Run:  python3 rules/precedents/make_supplement.py [--list]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_fair_competition as fc  # noqa: E402  (same reader, same dedupe measure)

OUT = HERE / "supplement.jsonl"
CUT = ("…", "...")

# batch id -> (release title, publisher, date).  A batch id already used by fair_competition.jsonl is the same
# release; the others are releases that gave no item before.
BATCHES = {
    "hlj-2020-zf": ("哈尔滨市交通运输局滥用行政权力排除、限制竞争行为（黑龙江省市场监督管理局通报）", "黑龙江省市场监督管理局", "2020-06-01"),
    "samr-zf-hb-2022-02": ("湖北省市场监督管理局纠正2起滥用行政权力排除、限制竞争行为", "国家市场监督管理总局", "2022-02-25"),
    "km-2022-fcr-q2": ("昆明市公平竞争审查工作部门联席会议办公室对违反公平竞争审查典型案例的分析（第2期）", "昆明市市场监督管理局", "2022-06-13"),
    "km-2022-fcr-q4": ("昆明市公平竞争审查工作部门联席会议办公室对违反公平竞争审查典型案例的分析（第4期）", "昆明市市场监督管理局", "2022-06-15"),
    "km-2022-fcr-q5": ("昆明市公平竞争审查工作部门联席会议办公室对违反公平竞争审查典型案例的分析（第5期）", "昆明市市场监督管理局", "2022-06-17"),
    "im-2023-fcr": ("内蒙古自治区公平竞争审查工作厅际联席会议办公室发布3起违反公平竞争审查典型案例", "内蒙古自治区公平竞争审查工作厅际联席会议办公室", "2023-02-09"),
    "samr-2023-zf-may-jm": ("湖北省市场监管局纠正荆门市城市管理执法委员会滥用行政权力排除、限制竞争行为", "国家市场监督管理总局", "2023-05-04"),
    "samr-2023-zf-may-xc": ("浙江省市场监管局纠正绍兴市新昌县人民政府滥用行政权力排除、限制竞争行为", "国家市场监督管理总局", "2023-05-09"),
    "im-2023-fcr-lh": ("内蒙古发布一起公平竞争审查典型案例 涉及一地共享单车行业", "内蒙古自治区公平竞争审查工作厅际联席会议办公室", "2023-05-10"),
    "samr-2023-zf-jun-wlmq": ("新疆维吾尔自治区市场监管局纠正乌鲁木齐市建设局滥用行政权力排除、限制竞争行为", "国家市场监督管理总局", "2023-06-20"),
    "samr-2023-zf-jun-gx": ("四川省市场监管局纠正宜宾市珙县住房城乡建设和城镇管理局滥用行政权力排除、限制竞争行为", "国家市场监督管理总局", "2023-06-27"),
    "samr-2023-zf-oct18-2": ("国家市场监督管理总局关于天津市市场监督管理委员会纠正天津市道路运输管理局滥用行政权力排除、限制竞争行为的通报", "国家市场监督管理总局", "2023-10-18"),
    "cq-2023-fcr-cc": ("重庆市市场监督管理局关于2023年全市落实公平竞争审查制度抽查情况的通报", "重庆市市场监督管理局", "2023-11-28"),
    "samr-2023-zf-jl": ("国家市场监督管理局关于吉林省市场监管厅纠正通化市自然资源局滥用行政权力排除、限制竞争行为的通报", "国家市场监督管理总局", "2023-12-12"),
    "gs-2024-zf-jy": ("甘肃省市场监管局纠正靖远县卫生健康局、靖远县财政局滥用行政权力排除、限制竞争行为通报", "甘肃省市场监管局", "2024-01-18"),
    "samr-2024-zf-batch1": ("国家市场监督管理局纠正滥用行政权力排除、限制竞争行为典型案例（2024年第一批）", "国家市场监督管理总局", "2024-02-06"),
    "samr-2024-zf-hi": ("国家市场监督管理局关于海南省卫生健康委员会滥用行政权力排除、限制竞争行为的通报", "国家市场监督管理总局", "2024-04-17"),
    "wx-2024-fcr": ("公平竞争审查微课堂丨公平竞争审查典型案例", "无锡市市场监督管理局", "2024-11-13"),
}

PARA, VERB, TRIM = "paraphrase-by-source", "verbatim", "trimmed"
AML = "《中华人民共和国反垄断法》"
XZ = "《公平竞争审查制度实施细则》"

# (script, piece of the case title, text, kind, basis as the release names it, batch, note)
ENTRIES = [
    ("add_hlj_cases.ts", "哈尔滨市交通运输局",
     "首批哈尔滨市网约车车载卫星定位装置的厂家及型号为深圳锐明技术股份有限公司生产的C6D型和河南速恒物联网科技有限公司生产的SH-VST601型",
     PARA, "《反垄断法》第三十二条", "hlj-2020-zf", "《关于公布首批哈尔滨市网络预约出租汽车车载卫星定位装置专用设备厂家和型号的通知》（2018）；通报在“中规定：”后的表述"),
    ("add_chongqing_hubei_early2022_cases.ts", "黄冈市城市管理执法委员会",
     "要求招标代理机构在黄冈市区具有固定的经营场所（提供自有房产证或租用房产协议或其他房产证明材料）",
     PARA, "《反垄断法》第三十四条", "samr-zf-hb-2022-02", "《2021年度项目招标代理机构遴选公告》"),
    ("add_kunming_cases.ts", "河道管护招标公告",
     "5.提供近三年（2018年、2019年、2020年）经审计机构审计过的财务审计报告；6.提供2020年1月至今任意三个月的缴纳税收及社会保障资金的证明材料",
     TRIM, XZ + "第十三条第一款", "km-2022-fcr-q2", "河道管护招标公告资格要求第5、6项（通报引号内原文的一段；第1项另有合法内容，未取）"),
    ("add_kunming_cases.ts", "营业执照经营范围",
     "本次招标A标包要求投标人具备：投标人必须是在中华人民共和国境内依法成立，具有独立法人资格和独立承担民事责任的能力，营业执照年检合格且在有效期内，经营范围包括园林绿化工程相关范围",
     TRIM, XZ + "第十三条第一款", "km-2022-fcr-q4", "道路绿化维护等招标公告“3.本项目的特定资格要求”（去掉项目编号）；通报认定设定经营范围为不合理准入门槛"),
    ("add_kunming_cases.ts", "旅游业补助资金",
     "第一条适用范围在某区实施旅游产业品质提升、开展A级旅游景区创建，申报转型升级发展旅游业补助资金的企业，必须在某区注册、办理税务登记且独立核算的企业，具有健全的财务管理制度、会计核算制度和统计管理体系，严格做到依法经营、依法纳税、依法统计",
     VERB, XZ + "第十三条第一款", "km-2022-fcr-q5", "转型升级发展旅游业实施细则第一条"),
    ("add_kunming_cases.ts", "旅游业补助资金",
     "申请并获得本政策扶持的企业（单位），需承诺5年内不得将工商注册、纳税、统计等关系迁出某区，否则将收回其获得的扶持资金，并列入失信企业名单，不再享有某区任何扶持政策",
     TRIM, XZ + "第十三条第一款", "km-2022-fcr-q5", "同一细则第五条（二）中的一句"),
    ("add_nanyang_im_cases.ts", "网络预约出租汽车经营服务管理实施细则",
     "在呼和浩特市申请从事网约车经营的非本市市业法人，须在本市市场监管、税务注册登记分支机构，并在本市有同经营规模相适应的办公场所、运营机构、管理人员",
     PARA, XZ + "第十三条第一款", "im-2023-fcr", "呼政办发〔2020〕14号；“市业法人”照转录"),
    ("add_nanyang_im_cases.ts", "科尔沁区规范互联网租赁自行车",
     "要求进入科尔沁区互联网租赁自行车系统必须要在区内注册",
     PARA, XZ + "第十三条第一款", "im-2023-fcr", "通科政发〔2020〕199号"),
    ("add_nanyang_im_cases.ts", "东胜区互联网租赁助力共享单车",
     "规定共享单车投放运营企业必须在本地设立分支机构",
     PARA, XZ + "第十三条第一款", "im-2023-fcr", "东政发〔2020〕51号"),
    ("add_may2023_cases.ts", "荆门市城市管理执法委员会",
     "指定某公司统一承接办理中心城区户外广告设置的申报手续，要求各广告经营者使用特定经营者提供的服务",
     PARA, AML + "第三十九条、" + AML + "第四十五条", "samr-2023-zf-may-jm", "《关于研究中心城区户外广告规范管理有关工作的纪要》等；引文被转录者删节，取通报对该做法的认定"),
    ("add_may2023_cases.ts", "新昌县人民政府",
     "新昌县学校食堂大宗食品综合配送I类准入企业投标人资格为在新昌县域内设有配送中心且具有配送经验和配送能力的本县企业",
     PARA, AML + "第四十二条", "samr-2023-zf-may-xc", "按协调会纪要（〔2020〕44号）发布的招标文件"),
    ("add_five_cases_from_images.ts", "内蒙古发布一起公平竞争审查典型案例",
     "拟通过竞争性磋商的方式确定一家中标企业负责临河区共享单车和共享电动车的投放以及管理",
     PARA, XZ + "第十三条第（二）项", "im-2023-fcr-lh", "《巴彦淖尔市临河区共享单车特许经营项目》竞争性磋商公告"),
    ("add_five_cases_from_images.ts", "乌鲁木齐市建设局",
     "要求乌鲁木齐市建设单位购买、使用名录内经营者提供的外墙保温材料和外墙保温材料检验检测单位提供的服务",
     PARA, AML + "第三十二条、" + AML + "第三十七条", "samr-2023-zf-jun-wlmq", "乌建防发〔2019〕429号等；修改前的反垄断法"),
    ("add_five_cases_from_images.ts", "珙县",
     "会议决定在全县范围内推广使用集中燃气报警控制系统，由上述三家公司实施",
     PARA, AML + "第三十二条", "samr-2023-zf-jun-gx", "燃气报警装置安装攻坚专题会（2022-03）；修改前的反垄断法"),
    ("add_guizhou_tianjin_cases_oct18.ts", "天津市道路运输管理局",
     "限定从事网络预约出租车经营的经营者购买、使用其指定的供应商设备",
     PARA, AML + "第三十九条、" + AML + "第四十五条", "samr-2023-zf-oct18-2", "《关于印发网约车车载专用设备技术标准及供应商资质要求的通知》及产品名单"),
    ("add_chongqing_2023_cases.ts", "渝北区商务委员会",
     "在发放消费券活动中，限定只能在特定商场、超市使用",
     PARA, XZ + "第十三条第（二）项", "cq-2023-fcr-cc", "《关于开展2023年“爱尚渝北”消费季活动的通知》"),
    ("add_jilin_tonghua_case_dec12.ts", "通化市自然资源局",
     "建立通化市“多测合一”中介服务机构名录库，限定房屋建筑和市政基础设施工程项目业主在“多测合一”服务机构名录中选择测绘单位",
     PARA, AML + "第三十九条、" + AML + "第四十五条", "samr-2023-zf-jl", "通市自然资联发〔2020〕1号"),
    ("add_gansu_case_jan18.ts", "靖远县卫生健康局",
     "按照属地化原则，确定县内公立医疗机构为全县干部职工健康体检定点医疗机构。各单位在非定点医疗机构安排干部职工健康体检的经费，县级财政一律不予支付",
     VERB, AML + "第三十九条", "gs-2024-zf-jy", "《关于做好干部职工健康体检工作的通知》（2022-05-06）"),
    ("add_samr_cases_feb2024.ts", "白塔区",
     "服务中心要求瓶装燃气经营企业在进入白塔区销售燃气时，需先到服务中心进行确认登记，并指定由提供配送监管平台经营性服务的第三方平台公司出具确认书",
     PARA, "", "samr-2024-zf-batch1", "辽阳市白塔区城乡建设发展服务中心的要求；转录未载通报所引条文"),
    ("add_hainan_case.ts", "海南省卫生健康委员会",
     "限定海南公立医疗机构购买、使用原海南省卫生厅招标确定的保险公司提供的医疗责任保险服务",
     PARA, "", "samr-2024-zf-hi", "琼卫法规〔2010〕21号、24号，〔2011〕1号；转录未载通报所引条文"),
    ("add_wuxi_cases_2024.ts", "税收优惠",
     "对年经营收入达到200万元以上的个体经营户申请注册为企业法人的，及时列入本地纳统范围，并自变更为企业法人的当月起给予6个月的税费减免优惠",
     PARA, "", "wx-2024-fcr", "某部门促进消费相关措施"),
    # releases already in fair_competition.jsonl: further clauses the automatic pass did not take
    ("add_samr_2021_cases_part2.ts", "西藏自治区建设项目评审中心",
     "四、咨询评估机构应具备的条件:区外具备造价甲级资质、区内具备造价乙级资质及以上",
     VERB, XZ + "第十四条第（三）项第3目", "samr-2022-fcr-dc2021", "《关于评估昌都市丁青县巴登水电站工程调整概算咨询方案比选的通知》（2021）；转录中收尾引号为半角"),
    ("add_samr_2021_cases_part2.ts", "天津市河东区科技局",
     "建立重点上市企业资源库，对入库企业培育期间产生的上市费用、贷款利息、贷款担保费用等给予补贴",
     VERB, XZ + "第十五条第（一）项第1目", "samr-2022-fcr-dc2021", "河东政办函〔2021〕18号"),
    ("add_samr_2021_cases_part2.ts", "云南省工业和信息化厅",
     "加大对'小升规'重点企业的政策倾斜支持力度，同等条件下专项资金申报优先考虑'小升规'重点企业及新升规企业",
     TRIM, XZ + "第十五条第（一）项第1目", "samr-2022-fcr-dc2021", "《云南省培育规模以上工业企业行动计划》较长引文中的一句"),
    ("add_samr_2021_cases.ts", "舟山市卫生健康委",
     "体检医院需符合“具备发热门诊，有核酸检测能力”等级为三级的市内医疗机构”等要求",
     PARA, XZ + "第十三条第（一）项第1目", "samr-2022-fcr-dc2021", "舟卫发〔2021〕52号；引号照转录（原文引号不成对）"),
    ("add_chongqing_hubei_early2022_cases.ts", "两江新区国有资产监督管理局",
     "区属国有企业（包括直属企业及其全资、控股子公司，下同）在开设一般账户时，应当选择税收和经济指标在两江新区辖区内的银行（该文件后附银行名单），开户流程需报两江新区国有资产监督管理局审核",
     PARA, "《反垄断法》第三十二条", "samr-zf-cqhb-1", "渝两江国资发〔2020〕65号，通报“文件规定：一是……”"),
    ("add_samr_batch3.ts", "甘肃省应急管理厅",
     "指定2家保险经纪公司为甘肃省矿山、危险化学品、烟花爆竹、金属冶金四个行业领域安全生产责任保险经纪机构",
     PARA, AML + "第三十九条、" + AML + "第四十五条", "samr-2022-zx-batch3", "甘应急规财〔2021〕155号"),
    ("add_samr_batch3.ts", "中宁县教育体育局",
     "中卫市具有安装资质的企业分别是宁夏某保安电子服务有限公司、宁夏某智能科技有限公司",
     VERB, AML + "第三十九条、" + AML + "第四十五条", "samr-2022-zx-batch3", "《关于在全县校园安装一键视频报警装置及硬隔离防撞设施的通知》（2019）"),
    ("add_samr_batch5_cases.ts", "遵义市综合行政执法局",
     "明确在市中心城区成立统一的液化石油气配送中心，对液化石油气经营网点进行整合，原则上不再审批新的液化石油气充装企业和经营网点",
     PARA, AML + "第三十六条、" + AML + "第三十七条", "samr-2023-zx-batch5", "2014—2018年液化石油气管理文件；修改前的反垄断法"),
    ("add_samr_batch5_cases.ts", "常州市住房和城乡建设局",
     "全市新申领施工许可证的新建、改建、扩建房屋建筑、市政基础设施工程及轨道交通工程，项目施工企业必须向上述5家保险公司组建的共保体投保常州市建筑施工安全生产责任保险",
     PARA, AML + "第三十二条、" + AML + "第三十七条", "samr-2023-zx-batch5", "常住建〔2020〕78号；修改前的反垄断法"),
    ("add_gansu_second_batch_cases_oct09.ts", "通渭县交通运输局",
     "要求辖区“两客一危”及重型货运车辆必须安装甘肃某公司、杭州某公司提供的设备",
     PARA, AML + "第三十九条", "gs-2023-zf-batch2", "以会议安排、口头通知等方式"),
    ("add_gansu_second_batch_cases_oct09.ts", "宁县教育局",
     "要求全县中小学校学生校服必须由甘肃某工贸公司供应",
     PARA, AML + "第三十九条", "gs-2023-zf-batch2", "通过召开会议、下发通知等方式"),
    ("add_gansu_second_batch_cases_oct09.ts", "榆中县城市管理综合执法局",
     "在办理渣土准运手续时，要求运输企业必须挂靠在榆中某渣土运输有限公司名下，否则不予办理",
     PARA, AML + "第四十五条", "gs-2023-zf-batch2", ""),
    ("add_gansu_second_batch_cases_oct09.ts", "永靖县卫生健康局",
     "指定永靖县人民医院、永靖县中医院为全县食品、公共场所等从业人员预防性健康体检机构",
     PARA, AML + "第三十九条", "gs-2023-zf-batch2", "《关于进一步规范预防性健康体检工作的通知》（2022-01）"),
    ("add_gansu_second_batch_cases_oct09.ts", "民勤县水务局",
     "在招标文件技术参数中直接指定使用某品牌水表",
     PARA, AML + "第三十九条", "gs-2023-zf-batch2", "农村饮水安全巩固提升工程招标文件"),
    ("add_gansu_second_batch_cases_oct09.ts", "陇西县交通运输局",
     "指定陇西县某汽车修理厂为全县公务用车定点维修企业",
     PARA, AML + "第三十九条", "gs-2023-zf-batch2", ""),
    ("add_first_batch_complete.ts", "四省交通运输厅",
     "对持有安徽ETC卡货车通行安徽省收费公路实行通行费85折优惠；对持有其他ETC卡货车实行通行费95折基本优惠",
     PARA, AML + "第四十一条", "samr-2025-zz-batch1", "安徽省交通运输厅差别化通行费政策（2016-07起）"),
    ("add_first_batch_complete.ts", "吕梁市住房和城乡建设局",
     "对限额以下工程项目，同等条件下优先在本市建筑企业范围内择优选用",
     PARA, AML + "第四十五条", "samr-2025-zz-batch1", "吕住建发〔2022〕19号"),
    ("add_first_batch_complete.ts", "临夏市城市管理局",
     "约定在合作期限内，授予该公司独家排他权利，承诺不擅自收回经营权、不减少经营权的内容、不再将经营权授予任何第三方",
     PARA, AML + "第三十九条", "samr-2025-zz-batch1", "餐厨垃圾处理特许经营协议"),
    ("add_first_batch_complete.ts", "南城县民政局",
     "约定承包经营期间，不批建第二家经营性殡仪馆和墓区，承包期限为60周年",
     PARA, AML + "第四十条", "samr-2025-zz-batch1", "殡仪馆、公益性墓区新建及承包经营合同（2017-03）"),
    ("add_first_batch_complete.ts", "丹东市振兴区教育局",
     "明确区属学校在入围供应商范围内选择供货企业",
     PARA, AML + "第三十九条、" + AML + "第四十五条", "samr-2025-zz-batch1", "2024-09 印发的校服采购文件"),
    ("add_national_cases_official.ts", "济宁市科技局",
     "在山东省内注册，具有独立法人资格",
     VERB, "", "samr-2025-zz-batch2", "《关于征集科技业务咨询服务承担单位的通知》“资格要求”；转录未载通报所引条文"),
    ("add_national_cases_official.ts", "珠海市香洲区教育局",
     "明确辖区内中小学校服由指定供应商生产销售",
     PARA, "", "samr-2025-zz-batch2", "转录未载通报所引条文"),
    ("add_lvliang_2025_cases_final.ts", "多测合一",
     "具备以下条件的测绘服务机构即可完成注册登记，并纳入吕梁市“多测合一”测绘服务机构名录库(以下简称名录库):(一)具有独立法人资格的测绘机构且在本市有市场监督管理部门注册登记的常设办事机构",
     TRIM, "《公平竞争审查条例实施办法》第十四条", "ll-2025-fcr", "吕自然资发〔2023〕82号第十条（通报照录，取首项）"),
    ("add_yancheng_cases_2.ts", "畜禽粪污处理中心",
     "且须成立工商注册地在本地区的生产经营公司作为运行主体",
     TRIM, "", "yc-2025-fcr-2", "招标公告特定资格要求2.1的末句；通报适用“强制或者变相强制外地经营者在本地投资或设立分支机构”标准"),
    ("add_yancheng_cases_2.ts", "消防验收技术服务机构",
     "企业在盐城市范围以外获得的不在加分统计范围",
     TRIM, "《公平竞争审查条例》第九条", "yc-2025-fcr-2", "附件2信用评价计分方法说明中的一句（引文首尾有删节，取其中完整一句）"),
    ("add_national_督查_cases.ts", "生物医药产业发展有关资金项目",
     "（1）在某市注册、生产，具有独立法人资格的生物医药企业",
     TRIM, "", "samr-2024-fcr-dc-zj", "【违规条款原文】申报条件第（1）项"),
    ("add_beijing_2022_review_cases.ts", "红黑名单",
     "对于列入红名单的服务性机构，在政府购买人力资源服务，引才引智，劳动关系处理，发放政策扶持、人才入驻服务等方面给予优先考虑",
     TRIM, XZ + "第十三条第（三）项", "bj-2023-fcr-cc2022", "《关于某区便捷人力资源市场发展的意见》引文中的一句"),
]


def norm(s: str) -> str:
    return fc.WS.sub("", s)


def case_content(script: str, key: str, cache={}) -> str:
    if script not in cache:
        src = fc.git_show(fc.MIRROR, "scripts/" + script)
        cache[script] = [(o.get("title") or "", o.get("content") or "") for o, *_ in fc.cases_of(src)]
    hits = [c for t, c in cache[script] if key in t or key in (c[:200])]
    if not hits:
        sys.exit(f"make_supplement: no case with {key!r} in {script}")
    return max(hits, key=len)


def existing() -> list[tuple[str, set]]:
    out = []
    for line in fc.DEV.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append((f"dev:{d['id']}", set(fc.bigrams(d["text"]))))
    for p in sorted(HERE.glob("*.jsonl")):
        if p.name == OUT.name:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out.append((f"{p.stem}:{d['id']}", set(fc.bigrams(d["text"]))))
    return out


def batch_meta() -> dict:
    meta = dict(BATCHES)
    for line in (HERE / "fair_competition.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        meta.setdefault(d["batch"], (d["source_title"], d["publisher"], d["date"]))
    return meta


def build():
    have, meta, items, dropped = existing(), batch_meta(), [], []
    counter = {}
    for script, key, text, kind, basis, batch, note in ENTRIES:
        content = case_content(script, key)
        t = norm(text)
        if t not in norm(content):
            sys.exit(f"make_supplement: text is not a contiguous piece of the case {key!r} in {script}: {text[:40]}")
        if any(c in t for c in CUT):
            sys.exit(f"make_supplement: text carries the transcriber's cut mark: {text[:40]}")
        bg = set(fc.bigrams(t))
        dup = next((i for i, b in have if t and (fc.containment(bg, b) >= 0.6 or fc.containment(b, bg) >= 0.6)), None)
        if dup:
            dropped.append((dup, batch, t))
            continue
        have.append((f"supplement:{batch}", bg))
        title, pub, date = meta[batch]
        counter[batch] = counter.get(batch, 0) + 1
        items.append({
            "id": f"SUP-{batch}-{counter[batch]:02d}", "text": t, "label": "violation", "family": "fair_competition",
            "basis": basis or None, "sector": fc.sector_of(t, content), "kind": kind, "source_title": title,
            "source_url": f"{fc.REPO_URL}/blob/{fc.COMMIT}/scripts/{script}", "publisher": pub, "batch": batch,
            "date": date, "note": (note + "；" if note else "") + "取法：人工挑选（见 make_supplement.py）；日期为转录者所记[待核]",
            "via": fc.REPO_URL,
        })
    return items, dropped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    items, dropped = build()
    for d in items:
        print(d["id"], d["kind"], "|", d["text"][:70])
    for dup, batch, t in dropped:
        print("DUP", dup, batch, "|", t[:60])
    print(f"items {len(items)}  dropped as duplicates {len(dropped)}  batches {len({d['batch'] for d in items})}")
    if not a.list:
        OUT.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in items), encoding="utf-8")


if __name__ == "__main__":
    main()
