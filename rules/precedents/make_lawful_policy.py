"""Build rules/precedents/lawful_policy.jsonl: lawful sentences in the register of POLICY DOCUMENTS (意见、通知、
若干措施、实施方案、审查细则) that use the words the rules react to.

lawful.jsonl holds sentences of laws and regulations only; a checker scored on them does not know its false-positive
rate on policy text. The sentences here come from the policy documents themselves, read from git mirrors at one
commit; nothing is written or reworded here:

1. State Council and General Office documents (2018-2019 and a few older ones) as crawled from www.gov.cn with
   each page's official address, issuer, number and dates (the public repository ZhouYNF/platform-1, db/*.sql).
   The page HTML is reduced to its text (the UCAP-CONTENT cell); every `text` is a contiguous piece of it.
2. 《浙江省招标投标领域公平竞争审查细则》 as transcribed in GFXfly/fair-review-system (full_regulation_content.txt,
   the commit make_fair_competition.py reads): the rule-stating sentences only, never its lists of forbidden
   measures (each item of those lists describes a violation).

Selection, all in this file so that a reviewer can re-run and check it:
1. candidate sentences carry a trigger word of a family (filing, then negative_list, then fair_competition: the
   first family whose words occur), are 15-220 characters long and come from a document that is a policy
   measure (not a reply to a deputy's proposal, an accident report, a regulation or a list of names: SKIP_DOCS);
2. anything that would read as a violation under 《公平竞争审查条例》第八至十一条 if a LOCAL drafter wrote it is
   dropped: make_lawful.VIOLATION_LOOK (local/non-local operators, place of registration, designated suppliers,
   filing as a precondition, ...) and POLICY_LOOK below (tax preferences granted, preferential purchase from
   poor areas, mandatory use of the winning bidders' drugs, a named company, quantity control, bans on
   producing or selling a product, ...);
3. near-duplicates are dropped: of every other rules/precedents/*.jsonl item, of /work/shared/corpus/dev.jsonl,
   of the law this project cites (/work/shared/reference) and of each other (exact, or character-bigram
   containment >= 0.6 either way: make_fair_competition.bigrams / containment / dup_of);
4. at most PER_DOC sentences a document, families taken in turn, sentences that match a lawful-use pattern first;
   minus the sentences a person rejected on reading them (REJECT below, each with its reason).

Run:  python3 rules/precedents/make_lawful_policy.py [--list]   (--list prints the sample, writes nothing)
"""
from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_fair_competition as fc  # noqa: E402  (same bigram containment and duplicate test)
import make_lawful as ml  # noqa: E402  (violation look-alikes, sectors, the law this project cites)

OUT = HERE / "lawful_policy.jsonl"

PLATFORM = Path("/work/.mirror/ZhouYNF+platform-1/repo")
PLATFORM_COMMIT = "2197df553eee3b0bc9989d91addadf2f4227fddc"
PLATFORM_URL = "https://github.com/ZhouYNF/platform-1"
# the larger file holds all 60 documents; the smaller one 15 of the same (its `content` column is empty)
SQL_FILES = ("db/ge_policy_raw20190217.sql", "db/ge_policy_raw-20190217.sql")

ZJ_PATH = "full_regulation_content.txt"

# --- families: the trigger words the rules react to -------------------------------------------------------------
FAMILY_WORDS = (
    ("filing", r"备案"),
    ("negative_list", r"准入|负面清单|许可|资质|门槛|禁止|限制"),
    ("filing", r"审批|核准|审核|告知承诺|登记"),
    ("fair_competition", r"本地|本市|本省|当地|辖区|属地|注册|落户|奖励|奖补|补贴|补助|扶持|资金|招标|投标|采购|"
                         r"供应商|优先|指定|定点|统一|限定|名录|目录|收费|价格|保证金|分支机构|特许经营|税收|外地|外资|外商"),
)
FAMILY_PREFIX = {"fair_competition": "POL-FC", "negative_list": "POL-NL", "filing": "POL-FIL"}

# --- why a reviewer passes it: lawful uses in policy register (first match; the note says which) -----------------
LAWFUL = {
    "filing": [
        ("legality-review", r"合法性审核|备案审查|规范性文件.{0,20}备案|报.{0,12}备案"),
        ("approval-simplified", r"简化|取消|压减|压缩|下放|精简|优化.{0,8}(审批|流程|程序)|告知承诺|改为|并联|一网通办|"
                                r"网上办理|限时办结|时限"),
        ("filing-information", r"备案.{0,20}(信息|材料|公示|公开|查询)|信息.{0,10}备案"),
        ("registration-service", r"登记.{0,20}(便利|服务|公开|公示|信息|系统)|商事制度|证照"),
        ("approval-procedure", r"依法|依规|按照.{0,20}(规定|程序)|按规定|公开|透明|规范"),
    ],
    "negative_list": [
        ("relax-access", r"放宽|取消.{0,20}(限制|要求|条件|门槛|许可)|降低.{0,10}(门槛|条件)|不再|免于|不受.{0,20}限制|"
                         r"减少.{0,10}(限制|要求)"),
        ("national-negative-list", r"负面清单|非禁即入|准入前国民待遇"),
        ("licence-reform", r"告知承诺|下放|简化|证照分离|优化.{0,8}(审批|许可|流程)|改为"),
        ("no-extra-barrier", r"不得.{0,30}(设置|设定|增设|附加|提高|违法|变相)|合理设置|公开透明规范"),
        ("licence-by-law", r"依法|依照|按照.{0,20}(规定|条件|程序)|按规定|有关规定|国家"),
    ],
    "fair_competition": [
        ("open-competition", r"公开招标|招标投标|招投标|竞争性|公开、公平|公平、公正|公开透明|公平竞争|择优|竞争方式|"
                             r"市场化方式|政府购买服务"),
        ("equal-treatment", r"平等|一视同仁|各类市场主体|各类所有制|各类企业|内外资|同等|不得歧视|民营|社会资本|中外资"),
        ("prohibition-or-cleanup", r"不得|禁止|严禁|清理|废除|纠正|整治|规范.{0,6}(收费|行为)"),
        ("open-eligibility", r"(符合条件|按规定|按照规定|依法|依规|按照.{0,12}(规定|标准|办法)).{0,30}"
                             r"(补贴|奖励|补助|资金|扶持|支持|奖补|政策)"),
        ("funds-governance", r"(资金|补贴|补助|奖励).{0,30}(管理|监管|绩效|公开|公示|审计|监督|统筹|整合|预算)|"
                             r"(统筹|整合|安排|预算).{0,20}资金"),
        ("fee-regulation", r"(收费|价格).{0,20}(规范|降低|清理|取消|公示|明码|监管|公开|合理|标准)|"
                           r"(规范|降低|清理|取消|减免).{0,20}(收费|价格)"),
        ("procurement-by-law", r"政府采购|采购.{0,10}(公开|依法|规范|程序|制度)"),
        ("lists-published", r"(目录|名录|清单).{0,20}(公布|公开|动态|调整|管理)|(公布|编制|制定).{0,20}(目录|名录)"),
        ("territorial-duty", r"本地区|当地(政府|人民政府|实际)|辖区|属地|本辖区|各地|结合实际"),
        ("merit-award", r"表彰|表扬|先进|激励|奖励.{0,20}(个人|集体|单位|地方|作出)"),
    ],
}
WHY_ZH = {
    "legality-review": "“备案”“审核”指规范性文件的合法性审核或报备审查，与市场主体无关",
    "approval-simplified": "简化、取消、下放审批或压减时限，方便办事，不增设条件",
    "filing-information": "备案信息的报送、共享和公示，告知性质，不作前置条件",
    "registration-service": "登记服务和商事制度改革的便利措施",
    "approval-procedure": "依法依规、公开规范地办理审批或登记，不增设条件",
    "relax-access": "放宽准入、取消限制或降低门槛",
    "national-negative-list": "按照国家统一的负面清单和准入制度管理",
    "licence-reform": "许可改革（告知承诺、下放、简化），不新设许可",
    "no-extra-barrier": "禁止增设准入条件、合理公开地设置条件",
    "licence-by-law": "法律法规已设定的许可或资质，依法办理",
    "open-competition": "通过招标等公开竞争方式选择，或维护公平竞争",
    "equal-treatment": "平等对待各类市场主体，不区分所有制或地区",
    "prohibition-or-cleanup": "禁止、清理或纠正不当做法的要求",
    "open-eligibility": "按公开规定面向符合条件的主体给予支持，不指向特定经营者",
    "funds-governance": "财政资金的统筹、预算、绩效和监督管理，不指向特定经营者",
    "fee-regulation": "规范、降低或公示收费和价格",
    "procurement-by-law": "依法规范实施政府采购",
    "lists-published": "依法编制、公布和动态调整目录或清单，不指定经营者",
    "territorial-duty": "“本地区/辖区/各地”指属地管理责任，不区分经营者来源",
    "merit-award": "对地方、单位或个人工作成绩的表彰激励，不针对特定经营者的经营活动",
    "general-measure": "国家政策文件中面向各类主体的一般性部署，不指向特定经营者或地域",
}

# --- what would read as a violation if a local government wrote it (on top of make_lawful.VIOLATION_LOOK) --------
POLICY_LOOK = [
    ("直接给予税收优惠（条例第十条第（一）项）；重申国家税收政策的不在此列",
     r"(减按|减半|免征|减征|免税|退税|即征即退|先征后返|税收返还|抵免|税前扣除|加计扣除|所得税优惠)"),
    ("给予税收优惠", r"(?<!落实)(?<!国家)(?<!现行)税收优惠"),
    ("按来源地倾斜采购（消费扶贫：优先采购贫困地区产品）",
     r"贫困地区.{0,20}(采购|购买|产品)|(采购|购买).{0,20}贫困地区|扶贫产品|消费扶贫|以购代捐|以买代帮"),
    ("国家组织药品集中采购：医疗机构须使用中选药品（限定）", r"中选|带量|集中采购.{0,20}(药品|品种)|药品.{0,20}集中采购"),
    ("具名企业，或由某企业负责（条例第八条第（三）项）",
     r"[\u4e00-\u9fa5]{2,}(有限公司|有限责任公司|股份公司|集团)|由.{0,15}(公司|集团|企业)(负责|承担|实施|建设|运营)"),
    ("数量控制，禁止或限制生产销售某类产品，关闭取缔",
     r"控制数量|数量控制|总量控制|严格控制|(禁止|限制|停止)(生产|销售|使用|经营|进口|进入|新建|审批)|关闭|取缔|淘汰"),
    ("对国有或龙头企业倾斜", r"国有(企业|资本|控股).{0,20}(优先|倾斜|支持|主导)|(优先|重点)(支持|扶持).{0,20}(国有|龙头|骨干)"),
    ("政府遴选“一批”企业、机构或基地（选择性扶持）", r"(确定|遴选|认定|评选|选择).{0,10}(一批|若干).{0,10}(企业|机构|基地|示范)"),
    ("政府定价或限价（条例第十一条）", r"(制定|实行|执行)(政府)?(定价|指导价)|最高(限价|价格)|价格(上限|下限)"),
    ("叙述违规事实", r"违规|违法违规|擅自|乱收费|以权谋私"),
]

# --- documents that are not policy measures (or are regulations in statute style) --------------------------------
# content id on www.gov.cn -> why
SKIP_DOCS = {
    "5355822": "科学技术奖励决定（名单）",
    "5351718": "遗弃化学武器调查（非经济政策）",
    "5351713": "地震重点监视防御区（非经济政策）",
    "5351707": "对某省考察所提问题的办理情况函（个案）",
    "5351671": "对某省考察所提问题的办理情况函（个案）",
    "5351649": "对某县地质灾害的复函（个案）",
    "5351624": "申办运动会的复函（个案）",
    "5351607": "对委员建议的复函（个案）",
    "5351598": "提案答复（个案）",
    "5351596": "建议答复（个案）",
    "5351593": "建议答复（个案）",
    "5351590": "建议答复（个案）",
    "5351586": "提案答复（个案）",
    "5351573": "申办运动会的复函（个案）",
    "5351181": "个人所得税专项附加扣除办法（税法条文）",
    "5351177": "个人所得税法实施条例（行政法规）",
    "5346276": "节假日安排",
    "5345639": "1981年奖售粮通知（计划经济时期）",
    "5345440": "黄金经济政策复函（个案）",
    "5345413": "合建气象站网复函（个案）",
    "5345410": "口岸区范围批复（个案）",
    "5345407": "迁址批复（个案）",
    "5345402": "组建协调委员会批复（个案）",
    "5345397": "国务院工作规则（机关内部规则）",
    "5345295": "对某省考察所提问题的办理情况函（个案）",
    "5345294": "煤矿事故调查处理通报（违法事实叙述）",
    "5345291": "地震趋势报告（非经济政策）",
    "5345284": "内地西藏班请示（个案）",
    "5344146": "教材委员会组成人员",
    "5341736": "专利代理条例（行政法规）",
    "5339579": "领导小组组成人员",
    "5347765": "消防救援车辆号牌（非经济政策）",
}

# --- read by a person and rejected (first 30 characters of the text) -> why --------------------------------------
REJECT: dict[str, str] = {
    "3.接受境外资助、捐赠等情况。": "列举项的片段，单独看没有意思",
    "（3）全国性社会团体和跨省（自治区、直辖市）法人社会团体应有10万元以上资金": "设定注册资金门槛（社团登记条件），地方照写即是准入条件",
    "非法人社会团体还应有固定的联络地点、5000元以上的资金和兼职工作人员。": "设定资金门槛（社团登记条件）",
    "7.违反国家有关规定，经营企业或进行变相集资、贷款和拆借资金等活动的基金会。": "列举的违规情形",
    "1997年4―6月，由社会团体根据清理整顿的规定和要求，结合近年来工作、活动情况": "1997年清理整顿的具体日程，与经营活动无关",
    "内容发布、互动交流、用户注册、统一身份认证；": "列举项的片段",
    "（二十七）在符合国家口岸管理规定的前提下，优先审理自贸试验区内口岸开放项目。": "对特定区域项目优先审理，地方照写即为区域倾斜",
    "（十一）经营性文化事业单位转制涉及的原划拨土地，转制后符合《划拨用地目录》的，": "转制企业继续无偿使用划拨土地，要素获取优惠（条例第十条第（三）项）",
    "（二十一）原事业编制内职工的住房公积金、住房补贴中由财政负担部分，转制后继续由财政部": "财政继续负担特定转制企业的费用，选择性支持",
    "（二十二）为确保转制工作顺利进行，同级财政可一次性拨付一定数额的资金，主要用于资产评": "对特定转制单位一次性拨款，选择性支持",
    "在年度建设用地指标中，优先安排农机合作社等新型农业经营主体用地，并按规定减免相关税费。": "对一类经营主体优先供地并减免税费，要素和收费优惠",
    "但在有关政策落实过程中还不同程度存在各类问题，有的部门、地方以及科研单位没有及时修订本": "描述存在的问题，不是政策条款",
    "有的经费调剂使用、仪器设备采购等仍然由相关机构管理，没有落实到项目承担单位；": "描述存在的问题，不是政策条款",
    "五、强化协调配合，加强资金保障": "标题",
    "帮扶省市要组织引导本地区农产品批发市场、商贸流通企业和机关、学校、医院、企事业单位等与": "引导采购贫困地区产品，按来源地倾斜采购（消费扶贫）",
    "依托贫困地区自然生态、民俗文化、农耕文化等资源禀赋，扶持建设一批设施齐备、特色突出的": "扶持建设“一批”，选择性扶持",
    "供应入围标准主要考虑企业的生产能力、供应稳定性等，能够确保供应试点地区采购量的企业可以": "以生产规模作入围条件，地方照写即为规模门槛",
    "对不按规定采购、使用药品的医疗机构，在医保总额指标、对公立医院改革的奖补资金、医疗机构": "以惩戒促使用集中采购中选药品，强制使用",
    "由上海市医药集中招标采购事务管理所承担联合采购办公室日常工作并负责具体实施。": "指定具体单位承担",
    "中央财政要根据国家融资担保基金的业务拓展、担保代偿和绩效考核等情况，适时对其进行资金补": "财政对特定机构注资，地方照写即为对特定经营者的资金支持",
    "在开展国家产教融合建设试点基础上，建立产教融合型企业认证制度，对进入目录的产教融合型企业": "列入目录的企业享受组合式激励，与“列入名录即享受优惠”同类",
    "（三）第三阶段为登记管理机关审定与换发证书阶段。": "阶段标题",
    "经审定作出保留结论的社会团体，由登记管理机关换发证书；": "经审定后换发证书，脱离上下文像审批",
    "（四十七）支持“海峡基金业综合服务平台”根据规定向中国证券投资基金业协会申请登记，开展私": "支持一个具名平台",
    "（五十二）授权自贸试验区制定相关港澳专业人才执业管理办法（国家法律法规暂不允许的除外），": "“经备案后”方可执业，备案作前置条件",
    "按照国家有关规定实行工资总额预算管理，由国有文化企业自主编制，按规定履行内部决策程序后，": "“核准或备案后执行”，备案作前置条件",
    "为进一步支持海南省试点发展国际医疗旅游相关产业，国务院决定在海南博鳌乐城国际医疗旅游先行": "国务院暂时调整行政法规的决定，地方无此权限",
    "国家融资担保基金要推动与全国性银行业金融机构的“总对总”合作，引导银行业金融机构扩大分支": "为特定基金的业务争取更多优惠",
    "开展排污许可“一证式”管理，探索将固体废物纳入排污许可证管理范围，掌握危险废物产生、利用": "扩大许可证管理范围，地方照写即为新设许可",
    "（生态环境部、交通运输部指导）开展废铅酸蓄电池等危险废物收集经营许可证制度试点。": "试点新设经营许可，地方无权设定",
    "建立公开透明规范的民办职业教育准入、审批制度，探索民办职业教育负面清单制度，建立健全退出机": "自建行业准入审批制度和负面清单，地方照写即为违规",
    "不听劝阻的，由登记管理机关责令解散。": "对社团的处罚，与经营活动无关",
    "不符合《划拨用地目录》的，在符合国家有关规定的前提下可采取协议出让方式办理。": "转制企业可协议出让取得土地，要素获取优惠",
    "（十八）利用划拨方式取得的存量房产、土地兴办文化产业的，符合《划拨用地目录》的，可按划拨方": "兴办文化产业可按划拨方式用地，要素获取优惠",
    "地方所属转制文化企业的认定，按照登记管理权限，由地方各级宣传部门会同同级财政、税务部门确定": "政府确定并发布享受政策的企业名单",
}
# Read by a person and ACCEPTED although a look-alike pattern matched (first 30 characters) -> why it is lawful
ACCEPT: dict[str, str] = {
    "规范银行业金融机构和融资担保、再担保机构的收费行为，除贷款利息和担保费外，不得以保证金、": "禁止以保证金等名义收取不合理费用",
    "（七）起草单位制定涉及保证金的政策措施，不得设置以下不合理限制：": "禁止对保证金设置不合理限制（引导语）",
    "各级政府性融资担保、再担保机构要坚守支小支农融资担保主业，主动剥离政府债券发行和政府融资平": "“严格控制”的是政府性担保机构自身的闲置资金运作，不是市场数量控制",
    "优化能源结构，建设绿色电力供应系统和清洁环保的供热系统，推进本地可再生能源利用，严格控制碳": "“严格控制”的是碳排放",
    "失业人员可在常住地公共就业服务机构办理失业登记，申请享受当地就业创业服务、就业扶持政策、重": "个人按国家政策申请享受税收优惠，不是地方给予",
    "（生态环境部、国家发展改革委、人民银行、银保监会指导）落实好现有资源综合利用增值税等税收优": "落实国家现有税收优惠政策",
    "各地可以指定部门或机构代表公立医院举办方和出资人，对三级公立医院实施绩效考核。": "“指定”的是政府部门或机构承担考核职责，不是经营者",
    "试点地区政府办公厅（室）对政府网站集约化试点工作的统筹推进、组织协调和考核管理负总责，并指": "“指定”的是政府内部的专门机构",
    "经国家药品监督管理部门批准、在中国大陆地区上市的集中采购范围内药品的生产企业（进口药品全国": "所有合规生产企业均可参加，不限定经营者",
    "根据每种药品入围的生产企业数量分别采取相应的集中采购方式：入围生产企业在3家及以上的，采取": "按入围企业数量采用招标采购等竞争方式",
    "负责对药品集中采购工作进行监督，及时受理、处理相关检举和投诉。": "对采购工作的监督和投诉处理",
    "探索完善药品集中采购机制和以市场为主导的药品价格形成机制。": "以市场为主导形成价格",
    "生产企业自主选定有配送能力、信誉度好的经营企业配送集中采购品种，并按照购销合同建立生产企业": "由企业自主选定配送企业，政府不指定",
    "在不改变所有权前提下，科研仪器设备所有方与专业服务机构协议约定服务价格，或约定服务收入分配": "价格由双方协议约定；免税进口设备按既有规定执行",
}
ACCEPTED = {k[:30] for k in ACCEPT}
REJECTED = {k[:30] for k in REJECT}

MIN_LEN, MAX_LEN = 15, 220
# indicator formulas and sources of an assessment table are not clauses
NOT_A_CLAUSE = re.compile(r"^(计算方法|指标来源|指标说明|指标定义)|[=×]")
PER_DOC = 15


# --- reading the sources -----------------------------------------------------------------------------------------
def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "-c", "core.quotepath=off", *args],
                          check=True, capture_output=True).stdout


def sql_rows(text: str) -> list[dict]:
    """The rows of `insert into ge_policy_raw (cols) values (...)` statements (MySQL string escapes)."""
    out = []
    for m in re.finditer(r"(?i)insert into ge_policy_raw \(([^)]*)\) values \(", text):
        cols = [c.strip() for c in m.group(1).split(",")]
        j, vals = m.end(), []
        while True:
            while text[j] in " \n\r\t":
                j += 1
            if text[j] == "'":
                j += 1
                buf = []
                while True:
                    c = text[j]
                    if c == "\\":
                        buf.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(text[j + 1], text[j + 1]))
                        j += 2
                    elif c == "'" and text[j + 1] == "'":
                        buf.append("'")
                        j += 2
                    elif c == "'":
                        j += 1
                        break
                    else:
                        buf.append(c)
                        j += 1
                vals.append("".join(buf))
            else:
                k = j
                while text[j] not in ",)":
                    j += 1
                v = text[k:j].strip()
                vals.append(None if v.lower() == "null" else v)
            while text[j] in " \n\r\t":
                j += 1
            if text[j] == ",":
                j += 1
                continue
            j += 1          # the closing parenthesis
            break
        out.append(dict(zip(cols, vals)))
    return out


class _Text(HTMLParser):
    BLOCK = {"p", "div", "br", "tr", "td", "li", "h1", "h2", "h3", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def body_text(page: str) -> str:
    """The text of the page's content cell (UCAP-CONTENT), one paragraph a line, blanks collapsed."""
    i = page.find("UCAP-CONTENT")
    if i >= 0:
        page = page[page.rfind("<", 0, i):]
    p = _Text()
    p.feed(page)
    lines = (re.sub(r"[ \t\u3000\xa0]+", " ", line).strip() for line in "".join(p.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def page_facts(page: str) -> dict:
    """Issuer, dates and number from the gov.cn header table of the page."""
    facts = {}
    for key, label in (("issuer", "发文机关"), ("written", "成文日期"), ("published", "发布日期"),
                       ("number", "发文字号"), ("index", "索 引 号")):
        m = re.search(label + r"：</b></td>\s*<td[^>]*>([^<]*)</td>", page)
        facts[key] = html.unescape(m.group(1)).strip() if m else ""
    return facts


def iso(cn_date: str) -> str:
    m = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", cn_date or "")
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


NUMBER_SLUG = (("国办发明电", "gbfmd"), ("国办发", "gbf"), ("国办函", "gbh"), ("国发", "gf"), ("国函", "gh"), ("国令", "gl"))


def batch_of(number: str, content_id: str) -> str:
    m = re.match(r"(国办发明电|国办发|国办函|国发|国函)〔(\d{4})〕(\d+)号", number)
    if m:
        return f"govcn-{dict(NUMBER_SLUG)[m.group(1)]}-{m.group(2)}-{m.group(3)}"
    return f"govcn-{content_id}"


def govcn_documents() -> list[dict]:
    docs: dict[str, dict] = {}
    for path in SQL_FILES:
        text = git(PLATFORM, "show", f"{PLATFORM_COMMIT}:{path}").decode("utf-8")
        for row in sql_rows(text):
            url = row["crawl_url"]
            if url in docs:
                continue
            cid = re.search(r"content_(\d+)\.htm", url).group(1)
            facts = page_facts(row["html"])
            docs[url] = {
                "key": cid, "url": url, "title": row["title"], "publisher": facts["issuer"] or row["release_office"],
                "number": facts["number"] or row["release_number"], "date": iso(facts["written"]),
                "published": iso(facts["published"]), "body": body_text(row["html"]),
                "batch": batch_of(facts["number"] or row["release_number"] or "", cid),
                "via": f"{PLATFORM_URL}/blob/{PLATFORM_COMMIT}/{path}",
                "where": f"《{row['title']}》（{facts['number'] or row['release_number']}）",
            }
    return [d for d in docs.values() if d["key"] not in SKIP_DOCS]


def zhejiang_document() -> dict:
    text = git(fc.MIRROR, "show", f"{fc.COMMIT}:{ZJ_PATH}").decode("utf-8")
    return {
        "key": "zj-fcr-bidding", "url": f"{fc.REPO_URL}/blob/{fc.COMMIT}/{ZJ_PATH}",
        "title": "浙江省招标投标领域公平竞争审查细则", "publisher": None, "number": "",
        "date": "2025-12-01", "published": "", "body": text, "batch": "zj-2025-fcr-bidding-rules",
        "via": fc.REPO_URL, "where": "《浙江省招标投标领域公平竞争审查细则》",
        # only the sentences that state a rule; the numbered items list forbidden measures (violations)
        "only": lambda s: not re.match(r"\d+\.", s),
    }


# --- sentences ---------------------------------------------------------------------------------------------------
def sentences(body: str):
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for s in re.findall(r"[^。；！？]+[。；！？]?", line):
            s = s.strip()
            if s:
                yield s


def family_of(s: str) -> str | None:
    for family, words in FAMILY_WORDS:
        if re.search(words, s):
            return family
    return None


def why_of(family: str, s: str) -> str:
    for name, pat in LAWFUL[family]:
        if re.search(pat, s):
            return name
    return "general-measure"


LOOKS_BAD = ([("make_lawful.VIOLATION_LOOK：" + p, re.compile(p)) for p in ml.VIOLATION_LOOK]
             + [(why, re.compile(p)) for why, p in POLICY_LOOK])


def looks_like_violation(s: str) -> str | None:
    """Why the sentence would read as a violation if a local government wrote it (None: it would not)."""
    for why, p in LOOKS_BAD:
        if p.search(s):
            return why
    return None


def candidates(docs: list[dict], dropped: Counter, excluded: list | None = None):
    for doc in docs:
        for s in sentences(doc["body"]):
            if not (MIN_LEN <= len(s) <= MAX_LEN):
                continue
            if "only" in doc and not doc["only"](s):
                continue
            if NOT_A_CLAUSE.search(s):
                continue
            family = family_of(s)
            if not family:
                continue
            why = looks_like_violation(s)
            if why and s[:30] not in ACCEPTED:
                dropped["looks like a violation"] += 1
                if excluded is not None:
                    excluded.append((doc, s, why))
                continue
            if s[:30] in REJECTED:
                dropped["rejected on reading"] += 1
                if excluded is not None:
                    excluded.append((doc, s, "读后剔除：" + next(v for k, v in REJECT.items() if k[:30] == s[:30])))
                continue
            yield doc, s, family, why_of(family, s)


def existing_pool() -> list[tuple[str, set]]:
    """(id, bigrams) of the dev corpus, every other precedent file and every sentence of the law cited."""
    pool = []
    for line in fc.DEV.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            pool.append((f"dev:{d['id']}", set(fc.bigrams(d["text"]))))
    for p in sorted(HERE.glob("*.jsonl")):
        if p == OUT:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                pool.append((f"{p.stem}:{d['id']}", set(fc.bigrams(d["text"]))))
    for p in sorted(ml.REFERENCE.glob("*.md")):
        for n, s in enumerate(re.split(r"[。；\n]", p.read_text(encoding="utf-8"))):
            if len(s) >= 10:
                pool.append((f"reference:{p.stem}:{n}", set(fc.bigrams(s))))
    return pool


def order_key(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def build(excluded: list | None = None) -> list[dict]:
    docs = govcn_documents() + [zhejiang_document()]
    dropped: Counter = Counter()
    by_doc: dict[str, list] = defaultdict(list)
    for doc, s, family, why in candidates(docs, dropped, excluded):
        by_doc[doc["key"]].append((doc, s, family, why))
    pool = existing_pool()
    taken: list[tuple[str, set]] = []
    chosen = []
    for key in sorted(by_doc):
        items = by_doc[key]
        # families in turn; within a family, sentences with a named lawful use first, then a fixed order
        queues = defaultdict(list)
        for it in sorted(items, key=lambda x: (x[3] == "general-measure", order_key(x[1]))):
            queues[it[2]].append(it)
        n = 0
        while n < PER_DOC and any(queues.values()):
            for family in ("fair_competition", "negative_list", "filing"):
                q = queues[family]
                while q:
                    doc, s, fam, why = q.pop(0)
                    bg = set(fc.bigrams(s))
                    dup = fc.dup_of(bg, pool) or fc.dup_of(bg, taken)
                    if dup:
                        dropped["near-duplicate"] += 1
                        continue
                    chosen.append((doc, s, fam, why))
                    taken.append((s, bg))
                    n += 1
                    break
                if n >= PER_DOC:
                    break
    rows = []
    counters: Counter = Counter()
    for doc, s, family, why in sorted(chosen, key=lambda x: (x[2], x[0]["date"], x[0]["key"], x[0]["body"].find(x[1]))):
        if s not in doc["body"]:          # every text is a contiguous piece of its source document
            raise SystemExit(f"not a contiguous piece of {doc['url']}: {s}")
        counters[family] += 1
        published = f"，{doc['published']} 在中国政府网发布" if doc["published"] else ""
        src = ("中国政府网政策文件库页面（经 ZhouYNF/platform-1 抓取副本读取，官方页面未重新访问）"
               if doc["url"].startswith("http://www.gov.cn") else
               "GFXfly/fair-review-system 的转录（发布机关、文号未载明，施行日期取自正文末句；官方原文未能取得[待核]）")
        rows.append({
            "id": f"{FAMILY_PREFIX[family]}-{counters[family]:03d}",
            "text": s,
            "label": "compliant",
            "family": family,
            "basis": None,
            "sector": ml.sector_of(doc["title"], s),
            "kind": "verbatim",
            "source_title": doc["title"],
            "source_url": doc["url"],
            "publisher": doc["publisher"],
            "batch": doc["batch"],
            "date": doc["date"],
            "note": f"{doc['where']}{published}；{src}。合法之处：{WHY_ZH[why]}（{why}）",
            "via": doc["via"],
        })
    seen = {s[:30] for doc in docs for s in sentences(doc["body"])}
    for key in sorted((REJECTED | ACCEPTED) - seen):
        print("REJECT/ACCEPT entry matches no sentence:", key, file=sys.stderr)
    print(f"{len(rows)} sentences from {len({r['batch'] for r in rows})} documents", dict(counters),
          "dropped:", dict(dropped), file=sys.stderr)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true", help="print the chosen sample for reading; write nothing")
    ap.add_argument("--excluded", action="store_true",
                    help="print the candidates left out as violation look-alikes (Markdown table rows); write nothing")
    args = ap.parse_args(argv)
    excluded: list = []
    rows = build(excluded)
    if args.excluded:
        for doc, s, why in excluded:
            print(f"| {doc['where']} | {s} | {why.replace('|', '/')} |")
        return 0
    if args.list:
        for r in rows:
            print(r["id"], r["batch"], r["note"].rsplit("（", 1)[1].rstrip("）"), "|", r["text"])
        return 0
    with OUT.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} sentences -> {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
