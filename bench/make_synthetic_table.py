#!/usr/bin/python3
"""Write a self-contained synthetic plan of N sheets for the import benchmark.

usage: bench/make_synthetic_table.py N OUTDIR

OUTDIR receives:
  shinchoku.toml    config/shinchoku.toml with [plan] pointing at the files below (other files
                    it names made absolute, database URLs empty: they come from the environment)
  departments.toml  a copy of config/honjo/departments.toml
  plan.toml         a copy of config/honjo/plan.toml (same plan code, grades A-D)
  structure.toml    4 strategies x 10 policies (strategies 1-2 with 2 focuses per policy),
                    measures of 1-3 sheets each, sheet numbers 1..N, in the format of
                    config/honjo/structure.toml
  table.tsv         the progress table in the published layout: the real 17-column header
                    (line 5 of the FY2019 file, byte for byte), legend and header repeated
                    every 12 rows as on the PDF's pages, one row per sheet
  rows.tsv          the same N sheets as bare rows for `psql \\copy` (the floor):
                    sheet_no, measure id, grade, departments (space separated), actions,
                    results, next_steps; tab separated, no header, no quotes

Deterministic: the same N gives the same bytes (random.Random seeded with N). Standard
library only. Texts contain no tab, line break, backslash or leading quote, so table.tsv
needs no quoting and rows.tsv is valid COPY text format as is.
"""

import os
import random
import re
import shutil
import sys
import tomllib

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL_CONFIG = os.path.join(TOP, "config")
REAL_TABLE = os.path.join(TOP, "data", "honjo", "honjo-welfare-plan-fy2019-progress.tsv")

STRATEGIES = 4
POLICIES_PER_STRATEGY = 10
FOCUSES_PER_POLICY = {1: 2, 2: 2, 3: 0, 4: 0}  # like Honjo: only the first strategies have focuses
ROWS_PER_PAGE = 12
LEGEND = "A:達成 B:未達成 C:検討中 D:中止"
GRADES = [("A", 0.66), ("B", 0.15), ("C", 0.17), ("D", 0.02)]
SCHEDULE_WORDS = ["調査・研究", "検討", "準備", "実施", "設置", "検証", "実施・検討", "研究・準備", "拡充"]

STRATEGY_TITLES = [
    "市民の生活を支える仕組みづくり",
    "人と人とのつながりづくり",
    "地域で共に生きるための人づくり",
    "計画推進体制の発展・強化",
]
POLICY_TOPICS = [
    "相談支援の仕組みづくり", "横断的なサービスづくり", "人にやさしい生活環境の充実", "小地域における福祉活動の推進",
    "関係機関・団体等との連携強化", "福祉学習の充実", "地域人材の確保・育成", "社会福祉協議会の機能強化",
    "地域福祉財源の確保", "見守り活動の充実", "情報提供体制の整備", "権利擁護の推進", "防災と福祉の連携",
    "居場所づくりの推進", "生活困窮者への支援",
]
FOCUS_TOPICS = [
    "包括的な相談支援体制の構築", "福祉窓口の多チャンネル化", "生きづらさを抱えている人への支援", "更生保護の推進",
    "災害時における支援体制の構築", "移動の支援", "住まいの確保", "ユニバーサルデザインのまちづくり",
]
MEASURE_SUBJECTS = [
    "高齢者", "障害のある人", "子育て世帯", "生活困窮者", "ひとり親家庭", "外国人市民", "ひきこもりの人", "認知症の人",
    "民生委員・児童委員", "地域ボランティア", "自治会", "学校", "医療機関", "社会福祉法人", "NPO法人", "商店街",
    "若年介護者", "在宅療養者", "避難行動要支援者", "子ども食堂", "地区社協", "老人クラブ", "青少年", "介護者",
    "市職員",
]
MEASURE_OBJECTS = [
    "相談支援", "見守り", "情報提供", "居場所づくり", "交流事業", "研修", "連携会議", "人材育成", "移動支援",
    "就労支援", "学習支援", "権利擁護",
]
MEASURE_ACTIONS = [
    "の充実", "の推進", "の強化", "の検討", "の拡充", "の仕組みづくり", "体制の整備", "マニュアルの作成",
    "の周知啓発", "の効果検証", "の担い手確保", "事業の実施", "に係る調査・研究", "ネットワークの構築",
    "のモデル実施", "の再検討", "の多様化", "拠点の設置", "のための協議", "の見直し",
]

# Sentence fragments for the three texts; {s} subject, {o} object, {n} number, {m} month.
ACTION_SENTENCES = [
    "{s}を対象とした{o}について、関係各課と協議を重ねながら実施方法を検討しました。",
    "{m}月に庁内関係各課で構成する検討会議を開催し、{o}の現状と課題を共有しました。",
    "{s}への{o}として、年間{n}回の説明会を開催し、延べ{n2}人の参加がありました。",
    "社会福祉協議会と連携し、{s}の実態を把握するためのアンケート調査を実施しました。",
    "市ホームページ及び広報紙において、{o}に関する情報を定期的に掲載しました。",
    "地区ごとの意見交換会を{n}回開催し、{s}の声を施策に反映できるよう取り組みました。",
    "{o}の担当職員を対象に研修を実施し、専門職との連携方法について理解を深めました。",
    "先進自治体の取組事例を調査し、本市における{o}の導入可能性について検討しました。",
    "民生委員・児童委員の定例会で{o}の趣旨を説明し、地域への周知に協力を依頼しました。",
    "{s}からの相談に対応するため、窓口の受付時間を見直し、{n}件の相談を受け付けました。",
]
RESULT_SENTENCES = [
    "参加者からは「身近な場所で相談できて安心した」との声が多く寄せられました。",
    "関係機関との情報共有が進み、支援が必要な{s}を早期に把握できるようになりました。",
    "前年度と比べて相談件数が{n}件増加し、{o}の認知度が高まったと考えられます。",
    "アンケートの回収率は{p}%で、{s}の生活実態や支援ニーズを具体的に把握できました。",
    "庁内の連携体制が整い、複合的な課題を抱える世帯への対応が円滑になりました。",
    "地域の担い手{n}人が新たに活動に加わり、見守りの範囲が広がりました。",
    "{o}の実施により、{s}が孤立しないための地域のつながりが生まれました。",
    "研修後の調査では受講者の{p}%が「業務に役立つ」と回答しました。",
]
NEXT_SENTENCES = [
    "今後も関係課や関係機関と連携し、{o}の更なる充実を図ってまいります。",
    "令和{y}年度中に実施方法を確定し、{s}への支援体制を段階的に整備します。",
    "今回の検証結果を踏まえ、{o}の対象や内容を見直したうえで継続して実施します。",
    "庁内の総合相談支援体制の具体的な方針が確定した後、改めて検討を進めます。",
    "地域の実情に応じた{o}となるよう、地区社協や自治会と協議を重ねていきます。",
    "財源の確保に努めながら、{s}の声を反映した事業展開を検討します。",
    "成果指標を設定し、毎年度の進捗を確認しながら取組を進めてまいります。",
]
STUDY_SENTENCES = [  # 取組内容 of a sheet still under study (C)
    "今年度については具体的な取組まで進めることができませんでした。",
    "関係各課との調整に時間を要し、{o}の実施には至りませんでした。",
    "{s}の現状把握にとどまり、事業化に向けた検討は次年度以降となりました。",
]
STOP_SENTENCES = [  # 取組内容 of a stopped sheet (D)
    "国の制度改正により事業の前提が変わったため、{o}を中止しました。",
    "類似の事業が県で開始されたことから、本市独自の{o}は中止としました。",
]


def fill(rng, sentence, subject, obj):
    return sentence.format(s=subject, o=obj, n=rng.randint(2, 40), n2=rng.randint(30, 900),
                           m=rng.randint(4, 12) if rng.random() < 0.8 else rng.randint(1, 3),
                           p=rng.randint(40, 95), y=rng.randint(2, 5))


def text(rng, pools, subject, obj, low=100, high=200):
    """Sentences drawn from pools (the first sentence from pools[0], the rest from pools[-1],
    no sentence twice) until the text is low..high characters long."""
    target = rng.randint(low, high)
    first = fill(rng, rng.choice(pools[0]), subject, obj)
    rest = [fill(rng, x, subject, obj) for x in rng.sample(pools[-1], len(pools[-1]))]
    out = first
    for s in rest:
        if len(out) >= target or len(out) + len(s) > high:
            break
        if s != first:
            out += s
    # Pad when every remaining sentence would overshoot and the text is still short.
    while len(out) < low:
        out += "引き続き関係機関と連携して取り組みます。"
    return out


def synthetic_config(real_path, n_sheets):
    """The real configuration file, line by line, with [plan] pointing at the synthetic files."""
    config_dir = os.path.dirname(real_path)
    ours = {"departments": "departments.toml", "plan": "plan.toml", "structure": "structure.toml"}
    out = [
        f"# Configuration of the synthetic benchmark plan ({n_sheets} sheets), written by",
        "# bench/make_synthetic_table.py from config/shinchoku.toml: the plan's files are the ones",
        "# beside this file, other files are the real ones. Do not edit: regenerate.",
        "",
    ]
    section, replaced = None, set()
    with open(real_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in lines:
        header = re.match(r"\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$", line)
        if header:
            section = header.group(1)
        kv = re.match(r'(\s*)([A-Za-z0-9_-]+)(\s*=\s*)"([^"\\]*)"\s*(#.*)?$', line)
        if kv:
            indent, key, eq, value, _comment = kv.groups()
            if section == "plan" and key in ours:
                line = f"{indent}{key}{eq}{toml_string(ours[key])}"
                replaced.add(key)
            elif section == "database" and key in ("url", "owner_url"):
                line = f"{indent}{key}{eq}\"\""
            elif value and not os.path.isabs(value) and os.path.exists(os.path.join(config_dir, value)):
                line = f"{indent}{key}{eq}{toml_string(os.path.join(config_dir, value))}"
        out.append(line)
    missing = set(ours) - replaced
    if missing:
        raise SystemExit(f"{real_path}: no [plan] {', '.join(sorted(missing))} to replace")
    return "\n".join(out)


def toml_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_strings(items):
    return "[" + ", ".join(toml_string(x) for x in items) + "]"


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) < 1:
        print("usage: make_synthetic_table.py N OUTDIR   (N sheets, N >= 1)", file=sys.stderr)
        return 2
    n_sheets = int(argv[1])
    outdir = argv[2]
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(n_sheets)

    shutil.copyfile(os.path.join(REAL_CONFIG, "honjo", "departments.toml"), os.path.join(outdir, "departments.toml"))
    shutil.copyfile(os.path.join(REAL_CONFIG, "honjo", "plan.toml"), os.path.join(outdir, "plan.toml"))
    with open(os.path.join(REAL_CONFIG, "honjo", "plan.toml"), "rb") as f:
        plan_code = tomllib.load(f)["plan"]["code"]
    with open(os.path.join(REAL_CONFIG, "honjo", "departments.toml"), "rb") as f:
        departments = [d["name"] for d in tomllib.load(f)["department"] if d["kind"] == "city"]
    with open(REAL_TABLE, encoding="utf-8", newline="") as f:
        header = f.read().split("\n")[4]  # line 5: the published header, with its trailing empty cell
    if not header.startswith("基本戦略\t"):
        raise SystemExit(f"{REAL_TABLE}: line 5 is not the header")

    # ---- hierarchy: strategies > policies > (focuses) ; leaves hold the measures in table order
    strategies, policies, focuses, leaves = [], [], [], []
    for si in range(1, STRATEGIES + 1):
        sid = f"S{si}"
        strategies.append((sid, f"{si} {STRATEGY_TITLES[(si - 1) % len(STRATEGY_TITLES)]}"))
        for pi in range(1, POLICIES_PER_STRATEGY + 1):
            pid = f"{sid}-P{pi}"
            plabel = f"({pi}) {POLICY_TOPICS[(si * 7 + pi) % len(POLICY_TOPICS)]}"
            policies.append((pid, sid, plabel))
            nf = FOCUSES_PER_POLICY.get(si, 0)
            if nf == 0:
                leaves.append((sid, pid, None))
            for fi in range(1, nf + 1):
                fid = f"{pid}-F{fi}"
                circled = chr(0x2460 + fi - 1)  # ① ②
                focuses.append((fid, pid, f"{circled} {FOCUS_TOPICS[(si * 5 + pi * 3 + fi) % len(FOCUS_TOPICS)]}"))
                leaves.append((sid, pid, fid))
    labels = dict(strategies)
    labels.update((pid, label) for pid, _, label in policies)
    labels.update((fid, label) for fid, _, label in focuses)

    # ---- measures: 1-3 sheets each, sheet numbers 1..N in order
    sizes = []
    left = n_sheets
    while left > 0:
        k = min(left, rng.choice([1, 1, 1, 2, 2, 3]))
        sizes.append(k)
        left -= k
    n_measures = len(sizes)
    width = max(2, len(str(n_measures)))
    titles = [(a, b, c) for a in MEASURE_SUBJECTS for b in MEASURE_OBJECTS for c in MEASURE_ACTIONS]
    rng.shuffle(titles)

    measures = []
    sheet_no = 0
    page = 60
    for mi, size in enumerate(sizes):
        leaf = leaves[mi * len(leaves) // n_measures]
        prev_leaf = leaves[(mi - 1) * len(leaves) // n_measures] if mi > 0 else None
        number = 1 if leaf != prev_leaf else measures[-1]["number"] + 1
        if leaf != prev_leaf:
            page += rng.randint(1, 4)
        elif rng.random() < 0.3:
            page += 1
        subject, obj, action = titles[mi % len(titles)]
        title = f"{subject}{obj}{action}"
        if mi >= len(titles):
            title += f"その{mi // len(titles) + 1}"
        related = rng.sample(departments, rng.randint(1, 4))
        schedule = [""] * 5
        for y in rng.sample(range(5), rng.randint(1, 3)):
            schedule[y] = rng.choice(SCHEDULE_WORDS)
        # Executing departments: 1-2 per sheet, a different set for each sheet of the measure
        # (the database keeps one sheet per measure, year and department set).
        sheets = []
        used = set()
        pool = related + [d for d in departments if d not in related]
        for j in range(size):
            sheet_no += 1
            while True:
                first = pool[j] if j < len(pool) else rng.choice(departments)
                execs = [first]
                if rng.random() < 0.3:
                    other = rng.choice(departments)
                    if other != first:
                        execs.append(other)
                key = frozenset(execs)
                if key not in used:
                    used.add(key)
                    break
            sheets.append((sheet_no, execs))
        measures.append({
            "id": f"M{mi + 1:0{width}d}", "strategy": leaf[0], "policy": leaf[1], "focus": leaf[2],
            "number": number, "title": title, "page": page, "related": related, "schedule": schedule,
            "sheets": sheets, "subject": subject, "object": obj,
        })

    # ---- structure.toml
    out = [
        "# Synthetic plan structure for the import benchmark, written by bench/make_synthetic_table.py",
        f"# ({n_sheets} sheets, {n_measures} measures). Same format as config/honjo/structure.toml;",
        "# the texts are made up. Do not edit: regenerate.",
        "",
    ]
    for sid, label in strategies:
        out += ["[[strategy]]", f"id = {toml_string(sid)}", f"label = {toml_string(label)}", ""]
    for pid, sid, label in policies:
        out += ["[[policy]]", f"id = {toml_string(pid)}", f"strategy = {toml_string(sid)}", f"label = {toml_string(label)}", ""]
    for fid, pid, label in focuses:
        out += ["[[focus]]", f"id = {toml_string(fid)}", f"policy = {toml_string(pid)}", f"label = {toml_string(label)}", ""]
    for m in measures:
        out += ["[[measure]]", f"id = {toml_string(m['id'])}", f"policy = {toml_string(m['policy'])}"]
        if m["focus"]:
            out.append(f"focus = {toml_string(m['focus'])}")
        sched = ", ".join(f"R{k + 1} = {toml_string(v)}" for k, v in enumerate(m["schedule"]))
        out += [
            f"number = {m['number']}",
            f"title = {toml_string(m['title'])}",
            f"plan_page = {m['page']}",
            f"related_departments = {toml_strings(m['related'])}",
            f"schedule = {{ {sched} }}",
            f"sheets = [{', '.join(str(s) for s, _ in m['sheets'])}]",
            "",
        ]
    with open(os.path.join(outdir, "structure.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out))

    # ---- table.tsv and rows.tsv
    grade_codes = [g for g, _ in GRADES]
    grade_weights = [w for _, w in GRADES]
    table = [""]  # the real file begins with two empty lines before the first page's legend
    rows = []
    rows_on_page = ROWS_PER_PAGE  # start a page at once
    shown = {"strategy": None, "policy": None, "focus": None}
    for m in measures:
        obj = m["object"]
        for j, (no, execs) in enumerate(m["sheets"]):
            new_page = rows_on_page >= ROWS_PER_PAGE
            if new_page:
                table += ["", LEGEND, "", header]
                rows_on_page = 0
                shown = {"strategy": None, "policy": None, "focus": None}
            grade = rng.choices(grade_codes, grade_weights)[0]
            subject = m["subject"]
            if grade == "C":
                actions = text(rng, [STUDY_SENTENCES, ACTION_SENTENCES], subject, obj)
                results = "" if rng.random() < 0.6 else text(rng, [RESULT_SENTENCES], subject, obj)
            elif grade == "D":
                actions = text(rng, [STOP_SENTENCES, ACTION_SENTENCES], subject, obj)
                results = text(rng, [RESULT_SENTENCES], subject, obj)
            else:
                actions = text(rng, [ACTION_SENTENCES], subject, obj)
                results = text(rng, [RESULT_SENTENCES], subject, obj)
            next_steps = text(rng, [NEXT_SENTENCES], subject, obj)
            cells = [""] * 11
            if j == 0:
                # Merged cells: a label is printed once per page, on the first row of its block.
                for level, key in (("strategy", m["strategy"]), ("policy", m["policy"]), ("focus", m["focus"])):
                    if key and shown[level] != key:
                        cells[{"strategy": 0, "policy": 1, "focus": 2}[level]] = labels[key]
                        shown[level] = key
                cells[3] = f"{m['number']} {m['title']}"
                cells[4] = str(m["page"])
                cells[5] = "・".join(m["related"])
                cells[6:11] = m["schedule"]
            execs_cell = " ".join(execs)
            texts = [actions, results, next_steps]
            for t in texts + [execs_cell]:
                assert "\t" not in t and "\n" not in t and "\\" not in t and not t.startswith('"')
            table.append("\t".join(cells + [grade, str(no), execs_cell] + texts + [""]))
            rows.append("\t".join([str(no), m["id"], grade, execs_cell] + texts))
            rows_on_page += 1
    table.append("")
    with open(os.path.join(outdir, "table.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(table))
    with open(os.path.join(outdir, "rows.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(rows) + "\n")

    # ---- shinchoku.toml, written last: bench/import-bench.sh takes a fresh one for a complete
    # output. The real configuration with the plan's files replaced by ours, every other file it
    # names made absolute (so that settings added later, e.g. [workflow], keep working) and the
    # database URLs empty (bench/import-bench.sh passes them in the environment).
    with open(os.path.join(outdir, "shinchoku.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(synthetic_config(os.path.join(REAL_CONFIG, "shinchoku.toml"), n_sheets))

    print(f"{outdir}: {n_sheets} sheets, {n_measures} measures, {len(table)} table lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
