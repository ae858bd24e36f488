"""Classification by the case rules (rules/cases/*.rule) and the flags of the monthly scan; verification."""
import datetime as dt
import json

import pytest

from cases import importer, sample, scan, store, verify
from cases.features import unit_kind
from cases.model import CATEGORIES
from engine.cli import main
from engine.errors import UserError

AS_OF = dt.date(2026, 9, 30)

# one case per category, worded the way published cases describe them (case_circulation.md §4)
CASES = {
    "A": ("临溪县自然资源局", "临溪县自然资源局对列入市场准入负面清单禁止准入类的项目违规办理审批手续。"),
    "B": ("青禾市博远体育文化有限公司", "青禾市博远体育文化有限公司未取得《经营高危险性体育项目许可证》即经营游泳项目。"),
    "C1": ("长汀县有关部门", "要求民宿经营者委托具有法定资质的第三方机构做消防安全评估，把已取消的资质许可作为经营前置条件。"),
    "C2": ("惠安县住房和城乡建设局", "规定小规模工程投标企业必须在本县注册登记，限制外地企业投标。"),
    "C3": ("石门县卫生健康局", "以缺乏监管手段为由，对医疗美容新业态许可申请暂停受理。"),
    "C4": ("白沙县交通运输局", "办理道路货运经营许可须先取得规划许可，而规划许可又要求先取得经营许可，相关审批互为前置。"),
    "C5": ("安平市行政审批服务局", "企业已在临溪县取得充电设施运营许可，到安平市开展同类业务时仍被要求重新审批。"),
    "C9": ("湖滨区商务局", "办理成品油零售准入手续时要求民营企业额外提供银行资信证明，与国有企业区别对待。"),
    "D": ("望江区发展和改革局", "在文件中自行列出禁止准入事项，擅自发布地方版市场准入负面清单。"),
}


def _write(tmp_path, rows, name="c.csv"):
    path = tmp_path / name
    rows = [{"案例编号": r[0], "所属地区": r[1], "涉及单位": r[2], "来源渠道": "12345热线", "受理日期": r[3],
             "问题描述": r[4], "涉及文件": r[5] if len(r) > 5 else "", **(r[6] if len(r) > 6 else {})} for r in rows]
    sample.write(path, rows)
    return path


@pytest.fixture
def db(tmp_path, db_target):
    rows = [(f"K-{code}", "青禾市临溪县", unit, "2026-08-10", desc) for code, (unit, desc) in CASES.items()]
    conn = store.connect(db_target("k"))
    importer.import_file(_write(tmp_path, rows), conn)
    yield conn
    conn.close()


def test_each_category_is_assigned_by_the_rules(db):
    res = scan.scan(db, dt.date(2026, 8, 1), dt.date(2026, 9, 1), "2026-08", as_of=AS_OF)
    assert res.records == len(CASES)
    for code in CASES:
        rec = store.get(db, f"K-{code}")
        assert rec.category == code, (code, rec.category, rec.category_by)
        assert rec.subtype == CATEGORIES[code][1]
        assert rec.category_by.split("、")[0] == f"CASE-{code}"
    assert sum(res.by_category.values()) == len(CASES)
    assert db.execute("SELECT COUNT(*) FROM scan_runs").fetchone()[0] == 1


def test_unclassifiable_case_is_left_for_a_person(tmp_path, db_target):
    conn = store.connect(db_target("u"))
    importer.import_file(_write(tmp_path, [("U-1", "青禾市临溪县", "临溪县教育局", "2026-08-03", "来电咨询办事流程。")]),
                         conn)
    res = scan.scan(conn, None, None, "全部", as_of=AS_OF)
    assert store.get(conn, "U-1").category == ""
    assert res.by_category["待人工分类"] == 1


def test_flags_missing_facts_overdue_and_repeat_unit(tmp_path, db_target):
    conn = store.connect(db_target("f"))
    rows = [
        ("F-1", "", "", "2026-08-03", "要求外地企业在本地设立分支机构。"),
        ("F-2", "青禾市石门县", "石门县教育局", "2026-07-03", "印发通知指定唯一校服供应商。", "",
         {"核查状态": "属实", "整改状态": "整改中", "整改期限": "2026-09-01"}),
        ("F-3", "青禾市石门县", "石门县教育局", "2026-08-20", "要求参与采购的企业在本县注册登记。",
         "《石门县校服采购管理办法》"),
        ("F-4", "青禾市石门县", "石门县教育局", "2026-05-20", "要求在本县设立分公司。", "《办法》"),
        ("F-5", "青禾市白沙县", "白沙县商务局", "2026-08-21", "要求外地企业在本地注册。", "《办法》",
         {"核查状态": "属实"}),
    ]
    importer.import_file(_write(tmp_path, rows), conn)
    scan.scan(conn, None, None, "全部", as_of=AS_OF)
    flags = {cid: store.get(conn, cid).flags for cid in ("F-1", "F-2", "F-3", "F-4", "F-5")}
    assert "未登记涉及单位" in flags["F-1"] and "未登记所属地区" in flags["F-1"]
    assert "整改逾期（29天）" in flags["F-2"]
    # F-2 and F-3 share a unit within 2026Q3; F-4 is the same unit but in Q2
    assert "同一单位本季度重复出现（2起）" in flags["F-2"] and "同一单位本季度重复出现（2起）" in flags["F-3"]
    assert not any(f.startswith("同一单位") for f in flags["F-4"])
    assert "提及文件但未登记涉及文件" in flags["F-2"]          # 印发通知, no document registered
    assert "提及文件但未登记涉及文件" not in flags["F-3"]
    assert "核查属实但未明确整改期限" in flags["F-5"]
    assert "受理超过30日仍未核查" in flags["F-4"]


def test_manual_category_survives_a_rescan_and_reclassification_is_recorded(db, tmp_path, db_target):
    scan.scan(db, None, None, "全部", as_of=AS_OF)
    path = db_target("k")
    verify.apply(path, "K-C9", status="属实", category="C2", findings="经核查属实")
    res = scan.scan(db, None, None, "全部", as_of=AS_OF)
    rec = store.get(db, "K-C9")
    assert (rec.category, rec.category_by) == ("C2", "人工") and res.manual == 1
    # a description edited so that another rule applies: the old class goes into the history
    db.execute("UPDATE cases SET description = '审批互为前置' WHERE case_id = 'K-C3'")
    res = scan.scan(db, None, None, "全部", as_of=AS_OF)
    assert res.reclassified == 1
    rec = store.get(db, "K-C3")
    assert rec.category == "C4" and rec.history[-1].before["category"] == "C3"


def test_verify_once_then_amend(db, db_target):
    path = db_target("k")
    said = verify.apply(path, "K-C2", status="属实", findings="文件第五条确有此规定", verifier="张三",
                        verify_date=dt.date(2026, 8, 20), rectify="整改中", deadline=dt.date(2026, 9, 20))
    assert "核查结论 属实" in said
    rec = store.get(db, "K-C2")
    assert (rec.verify_status, rec.verify_date, rec.rectify_deadline) == ("属实", dt.date(2026, 8, 20),
                                                                         dt.date(2026, 9, 20))
    with pytest.raises(UserError, match="一案一核查"):
        verify.apply(path, "K-C2", status="不属实")
    verify.apply(path, "K-C2", status="部分属实", amend="复核发现第二项不属实")
    rec = store.get(db, "K-C2")
    assert rec.verify_status == "部分属实"
    assert any(h.action.startswith("更正核查") and h.before["verify_status"] == "属实" for h in rec.history)
    # rectification can be updated any time, and the date defaults to today
    verify.apply(path, "K-C2", rectify="已整改", measures="已废止该办法")
    rec = store.get(db, "K-C2")
    assert rec.rectify_status == "已整改" and rec.rectify_date == dt.date.today()
    verify.apply(path, "K-C2", notified_on=dt.date(2026, 10, 8))
    assert store.get(db, "K-C2").notified_dates == [dt.date(2026, 10, 8)]
    with pytest.raises(UserError, match="没有编号"):
        verify.apply(path, "NOPE", status="属实")


def test_unit_kind():
    assert unit_kind("临溪县住房和城乡建设局") == "政府部门"
    assert unit_kind("县民宿发展协调小组") == "政府部门"
    assert unit_kind("青禾市恒通医药连锁有限公司") == "市场主体"
    assert unit_kind("") == "未知"


def test_cli_scan_list_verify(tmp_path, capsys, db_target):
    dbp = db_target("s")
    src = tmp_path / "s.csv"
    sample.write(src, sample.generate(rows=60, seed=9))
    assert main(["cases", "import", str(src), "--db", dbp]) == 0
    assert main(["cases", "scan", "--month", "2026-08", "--db", dbp, "--as-of", "2026-09-30"]) == 0
    out = capsys.readouterr()
    assert "扫描 2026-08 受理的案例" in out.out and "分类：" in out.out
    assert "扫描案例" not in out.err                        # no progress bar when stderr is not a terminal
    assert main(["cases", "list", "--month", "2026-08", "--db", dbp, "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    objs = [json.loads(x) for x in lines]
    assert objs and all(o["received_date"].startswith("2026-08") for o in objs)
    assert {"case_id", "region", "unit", "channel", "category", "subtype", "verify_status", "rectify_status",
            "notified_dates", "flags"} <= set(objs[0])
    assert main(["cases", "list", "--db", dbp, "--format", "jsonl"]) == 0
    every = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(every) > len(objs)
    cid = next(o["case_id"] for o in every if o["verify_status"] == "待核查")
    assert main(["cases", "verify", cid, "--db", dbp, "--status", "属实", "--deadline", "2026/10/31"]) == 0
    assert "核查结论 属实" in capsys.readouterr().out
    assert main(["cases", "verify", cid, "--db", dbp, "--status", "不属实"]) == 2
    assert "--amend" in capsys.readouterr().err
    assert main(["cases", "show", cid, "--db", dbp]) == 0
    assert "案例编号：" + cid in capsys.readouterr().out
    assert main(["cases", "scan", "--month", "2026-13", "--db", dbp]) == 2
    assert "月份" in capsys.readouterr().err
    assert main(["cases", "list", "--db", str(tmp_path / "none.db")]) == 2
    assert "不存在" in capsys.readouterr().err


# The typical cases of shared/reference/case_circulation.md §4 (one-line summaries) with the category the reference
# gives them: the rules must place every published case where the reference does.
PUBLISHED = [
 ("平潭综合实验区管委会", "2017年3月印发《关于加快风能产业发展的实施意见》，要求参与风能开发的企业中区属国有企业入股比例不低于20%，民企须捆绑国企才能参与风场开发", "C2"),
 ("惠安县有关部门", "规定小规模工程投标企业必须在惠安县注册登记，限制外地企业投标", "C2"),
 ("南靖县民宿发展协调小组", "新开民宿须经县民宿发展协调小组核验和评审后才能办理营业执照，构成前置准入条件", "C2"),
 ("长汀县有关部门", "要求民宿经营者委托“具有法定资质”的第三方机构做消防安全评估，把已取消的资质许可作为经营前置条件", "C1"),
 ("张家界市有关部门", "2022年4月发布城区共享电单车5年特许经营权拍卖公告，4500辆分3个标的，5月网拍成交超4500万元", "C2"),
 ("瑞丽市住房和城乡建设局", "2020年将两片城区共享电单车5年特许经营权分两个标的拍卖，未中标企业须退出", "C2"),
 ("宣威市有关部门", "以招租采购方式变相设置共享电单车市场准入条件", "C2"),
 ("钦州市有关部门", "以招标遴选方式确定唯一助力车经营者，限制其他企业准入，并违规收取车辆占道经营费", "C2"),
 ("安阳市8家市场主体", "非金融机构在注册名称、经营范围中使用金融相关字样，违背禁止准入类“禁止违规开展金融相关经营活动”", "B"),
 ("昆明市某县人民政府办公室", "《行政事业单位公务用车2021—2023年车辆定点维修和保养服务采购公告》违规限制外地企业进入本地公务用车维修市场", "C2"),
 ("黄冈市城市管理执法委员会", "2021年3月《2021年度项目招标代理机构遴选公告》要求代理机构在黄冈市区有固定经营场所并提供房产证明", "C2"),
 ("菏泽市应急管理局", "《菏泽市烟花爆竹连锁经营工作方案》规定申请《烟花爆竹零售许可证》须与辖区批发企业签订连锁经营协议", "C2"),
 ("随州市自然资源和规划局", "要求在本市从业的土地估价机构事先备案、凭备案证明开展业务，且须已经省自然资源厅同意予以备案", "C2"),
 ("合川区教育委员会", "发文规定全区中小学教辅发行、校服采购、办公文教体育用品供给、学生保险代理、考察培训统一由“学子公司”承办", "C2"),
 ("柳州市3家体育场馆", "未取得《经营高危险性体育项目许可证》即经营攀岩、游泳项目", "B"),
 ("内江市某企业", "未取得《旅行社业务经营许可证》，以零团费招揽组织旅游者二日游", "B"),
]


def test_published_cases_are_classified_as_the_reference_does():
    from collections import Counter

    rows = [{"case_id": f"R{i}", "region": "", "unit": u, "channel": "", "received_date": dt.date(2026, 8, 1),
             "description": d, "document": "", "clause": "", "list_item": "", "verify_status": "待核查",
             "rectify_status": "未整改", "rectify_deadline": None, "rectify_measures": ""}
            for i, (u, d, _) in enumerate(PUBLISHED)]
    result, _ = scan._classify_batch(rows, 0, Counter(), AS_OF, "reference")
    got = {i: result[f"R{i}"][0] for i in range(len(PUBLISHED))}
    assert got == {i: c for i, (_, _, c) in enumerate(PUBLISHED)}


def test_one_category_table_drives_rules_scan_and_sample():
    """cases.model.CATEGORY_TABLE is the only list of categories: the case rules set exactly its codes, the scan
    keeps the most specific one, and the sample generator produces every one of them."""
    from cases.model import CATEGORY_TABLE, CONDUCT, PRECEDENCE, category_label, pick_category

    codes = [c.code for c in CATEGORY_TABLE]
    set_by_rules = {r.sets["category"] for r in scan.case_rules().rules if "category" in r.sets}
    assert set_by_rules == set(codes)
    assert sorted(PRECEDENCE) == sorted(codes) and set(CONDUCT) == set(codes)
    assert pick_category([("C2", "另设市场准入限制性条件", "CASE-C2"), ("C4", "行政审批互为前置", "CASE-C4")]) == \
        ("C4", "行政审批互为前置", "CASE-C4、CASE-C2")
    assert pick_category([("X9", "", "CASE-X"), ("C9", "其他隐性壁垒", "CASE-C9")])[0] == "C9"
    assert pick_category([]) == ("", "", "")
    assert category_label("C2") == "（三）隐性壁垒：另设市场准入限制性条件" and category_label("Z") == "待人工分类"
    import random
    rng = random.Random(1)
    for code in codes:                      # the sample can write a case of every category in the table
        assert sample._case_text(rng, code, sample.REGIONS[0], 2026)["description"]
