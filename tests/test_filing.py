"""Filing (备案不得变审批): models, readers, the structured rules over items and requests, and `policylint filing check`.

The `on filing_item` / `on filing_request` rules carry no examples in the rule files (examples there are text);
their examples are the tables below: at least 3 violating and 3 lawful records per rule.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.records.filing import (FilingItem, FilingRequest, detect_kind, item_index, materials_beyond, parse_days,
                           read_items, read_requests)
from engine.structured import check_records

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples"
CLI = [str(ROOT / ".venv" / "bin" / "policylint")]
ENGINE = "python"   # the oracle evaluator (same findings as durable; differential tests live with the engine)

# A lawful filing item: 告知性备案, 材料齐全当场备案, not a precondition, set by a regulation.
LAWFUL_ITEM = {
    "事项名称": "企业投资项目备案", "设定依据": ["《企业投资项目核准和备案管理条例》第十三条"], "实施机关": "市发展和改革委员会",
    "申请材料": ["企业基本情况", "项目总投资额", "项目符合产业政策的声明"], "办理环节": ["在线告知", "即时备案"],
    "办理时限": "当场办结", "办理时限天数": 0, "是否收费": False, "结果形式": "备案信息", "有效期": "长期",
    "不予备案情形": ["材料不齐全且逾期未补正"], "是否开展活动的前提": False, "备注": "告知性备案",
}
LAWFUL_REQUEST = {
    "事项名称": "养老机构备案", "申请人": "某养老服务中心", "要求材料": ["备案书", "营业执照"], "材料是否齐全": True,
    "办理环节": ["受理", "备案"], "办理天数": 0, "收费金额": 0.0, "办理结果": "已备案", "理由": None,
    "清单内事项": True, "超出清单材料": None, "公布办理时限天数": 0, "超出时限天数": 0,
}


def item(**over) -> dict:
    return {**LAWFUL_ITEM, **over}


def request(**over) -> dict:
    return {**LAWFUL_REQUEST, **over}


# rule id -> (violating records, lawful records). Lawful records use the same fields, lawfully filled.
ITEM_CASES = {
    "FIL-ITEM-1": (
        [item(结果形式="同意备案的批复"), item(结果形式="民宿经营备案合格证"), item(结果形式="准予登记通知书"),
         item(事项名称="建筑材料备案核准")],
        [item(结果形式="备案回执"), item(结果形式="备案信息（企业可自行打印备案证明）"), item(结果形式="排污登记回执"),
         item(事项名称="药品经营许可事项变更备案", 结果形式="备案回执")],
    ),
    "FIL-ITEM-2": (
        [item(是否开展活动的前提=True), item(结果形式="备案证明（凭备案证明开展估价业务）"),
         item(结果形式="备案证明（作为办理注册登记的前置条件）"), item(备注="未经备案不得开展业务"),
         item(是否开展活动的前提=True, 备注="未经备案不得营业"), item(结果形式="备案回执，备案后方可营业")],
        [item(是否开展活动的前提=False), item(是否开展活动的前提=None, 结果形式="备案回执"),
         item(备注="登记后即可开展服务，备案不作为开展服务的前提"), item(结果形式="备案回执，不作为办理其他手续的前提")],
    ),
    "FIL-ITEM-3": (
        [item(办理环节=["受理", "现场核查", "备案"]), item(办理环节=["受理", "专家评审", "公示", "登记"]),
         item(办理环节=["初审", "协调小组核验", "备案"]), item(办理环节=["受理", "专家委员会技术论证", "登记"])],
        [item(办理环节=["受理", "备案"]), item(办理环节=["网上填报", "即时生成登记回执"]),
         item(办理环节=["在线告知", "即时备案"], 备注="事后双随机抽查")],
    ),
    "FIL-ITEM-4": (
        [item(办理环节=["受理", "审核", "备案"]), item(办理环节=["镇街初审", "区局复审", "备案"]),
         item(办理环节=["受理", "集体研究", "备案"])],
        [item(办理环节=["受理", "备案"]), item(办理环节=["受理", "材料审核", "备案"]),
         item(办理环节=["在线告知", "即时备案"])],
    ),
    "FIL-ITEM-5": (
        [item(不予备案情形=["不符合本市产业发展规划的"]), item(不予备案情形=["经研究认为不宜备案的"]),
         item(不予备案情形=["区域内网点已饱和"]), item(不予备案情形=["材料不齐全", "其他情形"])],
        [item(不予备案情形=["材料不齐全且逾期未补正"]), item(不予备案情形=["不属于备案范围"]), item(不予备案情形=None)],
    ),
    "FIL-ITEM-6": (
        [item(是否收费=True), item(是否收费=True, 备注="技术论证费每项3000元"), item(是否收费=True, 结果形式="备案回执")],
        [item(是否收费=False), item(是否收费=None), item(是否收费=False, 备注="不收费")],
    ),
    "FIL-ITEM-7": (
        [item(有效期="1年"), item(有效期="2年，期满重新登记"), item(有效期="长期", 备注="每年年审"),
         item(有效期="三年"), item(办理环节=["受理", "备案", "年检"])],
        [item(有效期="长期"), item(有效期="长期有效"), item(有效期=None), item(有效期="不设有效期"),
         item(办理环节=["提前3个月书面告知", "备案"])],
    ),
    "FIL-ITEM-8": (
        [item(不予备案情形=["名录库名额已满"]), item(备注="全市实行总量控制"), item(不予备案情形=["每个街道不超过5家"])],
        [item(备注="不限数量"), item(不予备案情形=["材料不齐全且逾期未补正"]), item(备注="告知性备案")],
    ),
    "FIL-ITEM-9": (
        [item(申请材料=["备案表", "项目可行性研究报告"]), item(申请材料=["备案表", "省厅同意意见"]),
         item(申请材料=["备案表", "区教育局的经营许可证"]), item(申请材料=["备案表", "验资报告", "近三年业绩证明"])],
        [item(申请材料=["备案表", "营业执照"]), item(申请材料=["企业基本情况", "项目总投资额"]),
         item(申请材料=["排污登记表"])],
    ),
    "FIL-ITEM-10": (
        [item(设定依据=None), item(设定依据=[]), item(设定依据="")],
        [item(), item(设定依据=["《排污许可管理条例》"]), item(设定依据=["《旅行社条例》"])],
    ),
    "FIL-ITEM-11": (
        [item(设定依据=["《市住建局关于加强房屋安全鉴定管理的通知》"]), item(设定依据=["《某市多测合一改革实施方案》"]),
         item(设定依据=["市政府常务会议纪要"])],
        [item(), item(设定依据=["《房地产经纪管理办法》"]), item(设定依据=["《中华人民共和国种子法》"]),
         item(设定依据=["《旅行社条例》", "《省文旅厅关于旅行社分社备案的通知》"])],
    ),
    "FIL-ITEM-13": (
        [item(申请材料=["营业执照"], 材料均可共享=True), item(申请材料=["营业执照副本", "法定代表人身份证"], 材料均可共享=True),
         item(申请材料=["登记证书"], 材料均可共享=True)],
        [item(材料均可共享=False), item(申请材料=["备案表", "营业执照"], 材料均可共享=False), item(材料均可共享=None)],
    ),
    "FIL-ITEM-14": (
        [item(结果形式="纳入名录库"), item(结果形式="列入推荐名单"), item(事项名称="测绘中介服务机构名录库备案"),
         item(结果形式="入库通知")],
        [item(结果形式="备案回执"), item(事项名称="测绘机构备案"), item(结果形式="备案信息公示")],
    ),
    "FIL-ITEM-12": (
        [item(办理时限天数=20), item(办理时限天数=5), item(办理时限天数=30)],
        [item(办理时限天数=0), item(办理时限天数=None), item(办理时限天数=1)],
    ),
}

REQUEST_CASES = {
    "FIL-REQ-1": (
        [request(超出清单材料=["验资报告"]), request(超出清单材料=["行业协会推荐函", "验资报告"]),
         request(超出清单材料=["危险化学品行业主管部门意见"])],
        [request(超出清单材料=None), request(超出清单材料=[]), request()],
    ),
    "FIL-REQ-2": (
        [request(办理环节=["受理", "现场核查", "备案"]), request(办理环节=["受理", "专家评审", "备案"]),
         request(办理环节=["实地核查", "备案"])],
        [request(办理环节=["受理", "备案"]), request(办理环节=["网上申报", "即时备案"]), request(办理环节=None)],
    ),
    "FIL-REQ-3": (
        [request(办理结果="不予备案", 理由="本区回收网点已饱和，不符合布局规划"),
         request(办理结果="不予备案", 理由=None), request(办理结果="暂缓备案", 理由="经研究暂不宜办理"),
         request(办理结果="退回", 理由="其他原因")],
        [request(办理结果="不予备案", 理由="材料不齐全，逾期未补正"), request(办理结果="已备案"),
         request(办理结果="不予备案", 理由="不属于备案范围，已告知向许可机关申请")],
    ),
    "FIL-REQ-4": (
        [request(办理天数=7, 超出时限天数=7), request(材料是否齐全=True, 办理结果="待研究"),
         request(办理天数=12, 公布办理时限天数=5, 超出时限天数=7), request(办理天数=2, 公布办理时限天数=0, 超出时限天数=None)],
        [request(), request(材料是否齐全=False, 办理结果="一次性告知补正", 办理天数=0),
         request(办理天数=3, 公布办理时限天数=5, 超出时限天数=-2)],
    ),
    "FIL-REQ-5": (
        [request(收费金额=300.0), request(收费金额=50.0), request(收费金额=0.5)],
        [request(收费金额=0.0), request(收费金额=None), request()],
    ),
    "FIL-REQ-6": (
        [request(清单内事项=False), request(事项名称="电竞酒店经营登记", 清单内事项=False),
         request(清单内事项=False, 办理结果="已登记")],
        [request(清单内事项=True), request(清单内事项=None), request()],
    ),
}


def _fired(records: list[dict], on: str) -> list[set[str]]:
    for n, r in enumerate(records):
        r.setdefault("_id", f"记录{n}")
        r["_line"] = n + 1
    findings = check_records(records, on, "表", engine=ENGINE)
    out = [set() for _ in records]
    for f in findings:
        out[f.line - 1].add(f.rule)
    return out


@pytest.mark.parametrize("rule_id", sorted(ITEM_CASES))
def test_item_rules_table(rule_id):
    bad, good = ITEM_CASES[rule_id]
    assert len(bad) >= 3 and len(good) >= 3
    fired = _fired([dict(r) for r in bad + good], "filing_item")
    for rec, rules in zip(bad, fired[:len(bad)]):
        assert rule_id in rules, f"{rule_id} 应命中：{rec}"
    for rec, rules in zip(good, fired[len(bad):]):
        assert rule_id not in rules, f"{rule_id} 不应命中：{rec}"


@pytest.mark.parametrize("rule_id", sorted(REQUEST_CASES))
def test_request_rules_table(rule_id):
    bad, good = REQUEST_CASES[rule_id]
    assert len(bad) >= 3 and len(good) >= 3
    fired = _fired([dict(r) for r in bad + good], "filing_request")
    for rec, rules in zip(bad, fired[:len(bad)]):
        assert rule_id in rules, f"{rule_id} 应命中：{rec}"
    for rec, rules in zip(good, fired[len(bad):]):
        assert rule_id not in rules, f"{rule_id} 不应命中：{rec}"


def test_lawful_records_are_clean_under_every_rule():
    assert _fired([dict(LAWFUL_ITEM)], "filing_item") == [set()]
    assert _fired([dict(LAWFUL_REQUEST)], "filing_request") == [set()]


def test_every_structured_filing_rule_has_a_table():
    from engine.rulebook import load_rules

    rs = load_rules()
    assert {r.id for r in rs.rules if r.on == "filing_item"} == set(ITEM_CASES)
    assert {r.id for r in rs.rules if r.on == "filing_request"} == set(REQUEST_CASES)


def test_durable_gives_the_same_findings_as_the_oracle():
    recs = [dict(r) for cases in ITEM_CASES.values() for r in cases[0] + cases[1]]
    for n, r in enumerate(recs):
        r["_id"], r["_line"] = f"r{n}", n + 1
    key = lambda fs: sorted((f.line, f.rule) for f in fs)  # noqa: E731
    assert key(check_records(recs, "filing_item", "t", engine="durable")) == key(check_records(recs, "filing_item", "t", engine="python"))


# ---- models and readers --------------------------------------------------------------------------------------

def test_shareable_materials_are_derived():
    rec = FilingItem.model_validate({"事项名称": "甲", "申请材料": ["营业执照复印件", "法定代表人身份证"]}).record()
    assert rec["材料均可共享"] is True
    assert FilingItem.model_validate({"事项名称": "甲", "申请材料": ["备案表", "营业执照"]}).record()["材料均可共享"] is False
    assert FilingItem.model_validate({"事项名称": "甲"}).record()["材料均可共享"] is False


def test_parse_days_and_lists():
    assert parse_days("当场办结") == 0 and parse_days("即时办结") == 0
    assert parse_days("20个工作日") == 20 and parse_days("十五个工作日") == 15 and parse_days("三日") == 3
    assert parse_days(None) is None
    it = FilingItem.model_validate({"事项名称": "甲", "申请材料": "1.备案表 2.营业执照", "办理环节": "受理→审核→备案",
                                    "是否收费": "否", "是否开展活动的前提": "是"})
    assert it.materials == ["备案表", "营业执照"]
    assert it.steps == ["受理", "审核", "备案"]
    assert it.fee is False and it.prerequisite is True


def test_materials_beyond_is_loose_on_wording():
    published = ["营业执照", "服务场所权属或使用证明", "备案书"]
    assert materials_beyond(["营业执照复印件", "备案书（原件）", "验资报告"], published) == ["验资报告"]
    assert materials_beyond([], published) == []


def test_request_record_derives_fields_from_the_published_item():
    items = item_index([(1, FilingItem.model_validate({"事项名称": "机动车维修经营备案", "申请材料": ["备案表", "营业执照"],
                                                        "办理时限": "当场办结"}))])
    r = FilingRequest.model_validate({"事项名称": "机动车维修经营备案", "申请人": "甲公司", "要求材料": "备案表；营业执照；验资报告",
                                      "办理天数": "7天", "收费金额": "0"})
    rec = r.record(items, line=9)
    assert rec["超出清单材料"] == ["验资报告"]
    assert rec["清单内事项"] is True and rec["公布办理时限天数"] == 0 and rec["超出时限天数"] == 7
    assert rec["_line"] == 9 and "甲公司" in rec["_id"]
    other = FilingRequest.model_validate({"事项名称": "电竞酒店经营登记"}).record(items)
    assert other["清单内事项"] is False and other["超出清单材料"] is None
    assert FilingRequest.model_validate({"事项名称": "x"}).record(None)["清单内事项"] is None


def test_sample_list_has_twenty_items_lawful_and_unlawful_and_xlsx_matches_yaml(tmp_path):
    y_items, y_bad = read_items(SAMPLES / "filing_list.yaml")
    x_items, x_bad = read_items(SAMPLES / "filing_list.xlsx")
    assert not y_bad and not x_bad
    assert len(y_items) >= 20
    assert [i.model_dump() for _, i in y_items] == [i.model_dump() for _, i in x_items]
    assert [line for line, _ in x_items][0] == 3          # title row, header row, then the first item
    fired = {}
    for f in check_records([it.record(line) for line, it in x_items], "filing_item", "s", engine=ENGINE):
        fired.setdefault(f.record, set()).add(f.rule)
    names = [it.name for _, it in x_items]
    clean = [n for n in names if not {r for r in fired.get(n, set())} - {"FIL-ITEM-12"}]
    assert 8 <= len(clean) <= len(names) - 8, clean      # lawful and unlawful items mixed
    assert {"FIL-ITEM-3", "FIL-ITEM-5", "FIL-ITEM-7"} <= fired["房屋安全鉴定机构登记"]
    assert "企业投资项目备案" not in fired and "养老机构备案" not in fired


def test_sample_xlsx_is_generated_from_the_yaml(tmp_path):
    script = SAMPLES / "make_filing_list.py"
    src = script.read_text(encoding="utf-8").replace('HERE / "filing_list.xlsx"', f'Path(r"{tmp_path}") / "out.xlsx"')
    ns: dict = {"__name__": "gen", "__file__": str(script)}
    exec(compile(src, str(script), "exec"), ns)
    ns["main"]()
    a, _ = read_items(tmp_path / "out.xlsx")
    b, _ = read_items(SAMPLES / "filing_list.xlsx")
    assert [i.model_dump() for _, i in a] == [i.model_dump() for _, i in b]


def test_malformed_rows_are_reported_with_their_row_number_and_the_rest_is_read(tmp_path):
    p = tmp_path / "清单.csv"
    p.write_text("事项名称,设定依据,是否收费,是否开展活动的前提\n"
                 "养老机构备案,《老年人权益保障法》,否,否\n"
                 ",《某条例》,否,否\n"
                 "民宿备案,《民宿管理办法》,也许,是\n"
                 "排污登记,《排污许可管理条例》,否,否\n", encoding="utf-8")
    ok, bad = read_items(p)
    assert [it.name for _, it in ok] == ["养老机构备案", "排污登记"]
    assert [(e.line, e.message) for e in bad] == [(3, "缺少“事项名称”"), (4, "“是否收费”应填“是”或“否”，实际为“也许”")]


def test_yaml_rows_carry_their_line_numbers():
    rows, bad, meta = read_requests(SAMPLES / "filing_requests.yaml")
    assert not bad and meta["list"] == "filing_list.yaml"
    text = (SAMPLES / "filing_requests.yaml").read_text(encoding="utf-8").splitlines()
    for line, r in rows:
        assert r.item in text[line - 1]


def test_detect_kind():
    assert detect_kind(SAMPLES / "filing_list.xlsx") == "item"
    assert detect_kind(SAMPLES / "filing_list.yaml") == "item"
    assert detect_kind(SAMPLES / "filing_requests.yaml") == "request"


def test_gbk_csv_is_read(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("事项名称,是否收费\n排污登记,否\n".encode("gb18030"))
    ok, bad = read_items(p)
    assert [it.name for _, it in ok] == ["排污登记"] and not bad


# ---- CLI -------------------------------------------------------------------------------------------------------

def run(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run(CLI + list(args), capture_output=True, text=True, env=e, cwd=ROOT)


def test_cli_filing_check_sample_list_gives_per_item_findings():
    p = run("filing", "check", "tests/samples/filing_list.xlsx")
    assert p.returncode == 1, p.stderr
    assert "逐项结论" in p.stdout
    assert "第 14 行 房屋安全鉴定机构登记：" in p.stdout and "第 3 行 企业投资项目备案：未发现问题" in p.stdout
    assert "Traceback" not in p.stderr


def test_cli_filing_check_jsonl_and_fail_on():
    p = run("filing", "check", "tests/samples/filing_list.yaml", "--format", "jsonl")
    assert p.returncode == 1
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    assert rows and all(r["family"] == "filing" and r["record"] and r["line"] > 0 and r["basis"] for r in rows)
    clean = run("filing", "check", "tests/samples/filing_list.yaml", "--format", "jsonl", "--fail-on", "error",
                "--min-severity", "error")
    assert clean.returncode == 1   # the sample has errors
    sarif = run("filing", "check", "tests/samples/filing_list.yaml", "--format", "sarif")
    assert json.loads(sarif.stdout)["runs"][0]["results"]


def test_cli_filing_check_requests_against_the_list():
    p = run("filing", "check", "tests/samples/filing_requests.yaml", "--format", "jsonl")
    assert p.returncode == 1, p.stderr
    got = {(json.loads(line)["record"].split("：")[0], json.loads(line)["rule"]) for line in p.stdout.splitlines()}
    assert ("云岭市速捷汽车维修有限公司", "FIL-REQ-1") in got
    assert ("云岭市小树苗托育有限公司", "FIL-REQ-2") in got
    assert ("云岭市绿源再生资源回收站", "FIL-REQ-3") in got
    assert ("云岭市安居房地产经纪有限公司", "FIL-REQ-5") in got
    assert ("云岭市星河电竞酒店有限公司", "FIL-REQ-6") in got
    assert not any(who in ("云岭市恒达新材料有限公司", "云岭市康宁养老服务中心", "云岭市清泉食品有限公司") for who, _ in got)


def test_cli_filing_check_clean_file_exits_zero(tmp_path):
    p = tmp_path / "clean.yaml"
    p.write_text("items:\n  - 事项名称: 排污登记\n    设定依据: 《排污许可管理条例》\n    办理时限: 即时办结\n"
                 "    是否收费: 否\n    结果形式: 排污登记回执\n    是否开展活动的前提: 否\n", encoding="utf-8")
    r = run("filing", "check", str(p))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "未发现问题" in r.stdout


def test_cli_malformed_row_is_reported_and_the_rest_checked(tmp_path):
    p = tmp_path / "list.csv"
    p.write_text("事项名称,设定依据,办理环节,是否收费\n"
                 "民宿备案,《民宿管理办法》,受理→现场核查→备案,否\n"
                 "坏行,《某条例》,受理,也许\n", encoding="utf-8")
    r = run("filing", "check", str(p), "--format", "jsonl")
    assert r.returncode == 1
    assert "第 3 行" in r.stderr and "也许" in r.stderr and "Traceback" not in r.stderr
    assert any(json.loads(line)["rule"] == "FIL-ITEM-3" for line in r.stdout.splitlines())


def test_cli_nothing_readable_exits_two(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("事项名称,是否收费\n,也许\n", encoding="utf-8")
    r = run("filing", "check", str(p))
    assert r.returncode == 2 and "第 2 行" in r.stderr and "没有可检查" in r.stderr
    r = run("filing", "check", str(tmp_path / "none.xlsx"))
    assert r.returncode == 2 and "找不到文件" in r.stderr
    (tmp_path / "x.xlsx").write_text("not a workbook", encoding="utf-8")
    r = run("filing", "check", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "Traceback" not in r.stderr


# ---- text rules of the filing family: their embedded examples -------------------------------------------------

def test_filing_text_rule_examples():
    from engine.rulebook import load_rules
    from engine.check import check_text

    rs = load_rules()
    rules = [r for r in rs.rules if r.family == "filing" and r.on == "text"]
    assert len(rules) >= 10
    for r in rules:
        kinds = [v for _, v, _ in r.examples]
        assert kinds.count(True) >= 3 and kinds.count(False) >= 3, r.id
        for text, violating, line in r.examples:
            hit = any(f.rule == r.id for f in check_text(text, rs=rs, engine=ENGINE))
            assert hit == violating, f"{r.source}: {r.id} {'违规' if violating else '合规'}例句：{text}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
