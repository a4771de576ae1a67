"""How long a landscape report (专利导航) takes for one cluster of ~5,000 patents (issue 21: target < 3 s).

Builds a synthetic SQLite database from the demo's shape: the demo's organisations, N patents in one cluster
with main IPC codes drawn from 40 main groups, 1–3 effect tags each, holders, open-licence offers, sleeping
flags, deals and tagged needs (with --subfields topics also one of 20 topic tags each); then times `resolve` +
`analyse` (the SQL) and the files (charts, HTML, XLSX), with IPC main groups or topics as the sub-fields.

    python -m bench.navigation [--patents 5000] [--runs 3] [--subfields ipc|topics] [--out /tmp/nav-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from data.db import make_engine, transaction, upgrade
from data.enums import (
    DealStatus,
    FeeType,
    HolderRole,
    LegalStatus,
    NeedStatus,
    OfferStatus,
    OrgKind,
    PatentType,
    TagDimension,
    TagEntity,
    TagSource,
    TransactionKind,
)
from data.models import (
    LicenseOffer,
    Need,
    Organization,
    Patent,
    PatentHolder,
    PatentIPC,
    Tag,
    Transaction,
    TransactionPatent,
)
from matching.tags.effects import effect_labels

CLUSTER = "新型电力(新能源)装备"
CITIES = [("南京", "江苏省"), ("苏州", "江苏省"), ("南通", "江苏省"), ("徐州", "江苏省"), ("上海", "上海市"),
          ("杭州", "浙江省"), ("合肥", "安徽省"), ("深圳", "广东省")]
GROUPS = [f"{sub} {g}" for sub in ("H02J", "H01M", "H02M", "H02S", "G01R") for g in (1, 3, 7, 9, 13, 15, 31, 50)]


def build(url: str, patents: int, seed: int = 0, topics: bool = False) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    effects = list(effect_labels().items())
    today = dt.date(2026, 12, 5)
    with transaction(engine) as s:
        kinds = [OrgKind.UNIVERSITY] * 20 + [OrgKind.INSTITUTE] * 10 + [OrgKind.SME] * 50 + [OrgKind.ENTERPRISE] * 20
        s.execute(insert(Organization), [{"name": f"机构{i:03d}{'大学' if k is OrgKind.UNIVERSITY else '有限公司'}",
                                          "kind": k, "city": CITIES[i % len(CITIES)][0],
                                          "province": CITIES[i % len(CITIES)][1]} for i, k in enumerate(kinds)])
        orgs = list(s.scalars(select(Organization.id)))
        rows = []
        for i in range(patents):
            filed = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(14 * 365))
            granted = filed + dt.timedelta(days=rng.randrange(400, 1400)) if rng.random() < 0.7 else None
            status = rng.choice([LegalStatus.VALID, LegalStatus.VALID, LegalStatus.PENDING, LegalStatus.LAPSED])
            main = f"{rng.choice(GROUPS)}/{rng.randrange(1, 60):02d}"
            rows.append({"application_number": f"2{i:011d}.{i % 10}", "patent_type": PatentType.INVENTION,
                         "title": f"一种储能装置{i}", "abstract": "", "first_claim": "", "main_ipc": main,
                         "application_date": filed, "grant_date": granted if granted and granted < today else None,
                         "legal_status": status, "is_sleeping": rng.random() < 0.3,
                         "annual_fee_paid_until": filed + dt.timedelta(days=365 * rng.randrange(2, 8))
                         if status is LegalStatus.LAPSED else None})
        s.execute(insert(Patent), rows)
        ids = list(s.execute(select(Patent.id, Patent.main_ipc)))
        s.execute(insert(PatentIPC), [{"patent_id": p, "code": code, "subclass": code[:4], "is_main": True,
                                       "position": 0} for p, code in ids])
        s.execute(insert(PatentHolder), [{"patent_id": p, "organization_id": rng.choice(orgs),
                                          "role": HolderRole.PATENTEE, "position": 0} for p, _ in ids])
        tags = [{"entity": TagEntity.PATENT, "entity_id": p, "dimension": TagDimension.CLUSTER, "code": CLUSTER,
                 "label": CLUSTER, "confidence": 1.0, "source": TagSource.MAPPED, "evidence": ""} for p, _ in ids]
        if topics:  # a learned topic each, as `navigate topics fit` stores them
            names = [(f"T{k:02d}", f"主题词{k}、储能{k}") for k in range(1, 21)]
            tags += [{"entity": TagEntity.PATENT, "entity_id": p, "dimension": TagDimension.TOPIC, "code": code,
                      "label": name, "confidence": 0.6, "source": TagSource.INFERRED, "evidence": "bench"}
                     for (p, _), (code, name) in zip(ids, (rng.choice(names) for _ in ids), strict=True)]
        for p, _ in ids:
            for code, name in rng.sample(effects, rng.randrange(1, 4)):
                tags.append({"entity": TagEntity.PATENT, "entity_id": p, "dimension": TagDimension.EFFECT,
                             "code": code, "label": name, "confidence": 0.8, "source": TagSource.EXTRACTED,
                             "evidence": ""})
        s.execute(insert(LicenseOffer), [{"patent_id": p, "fee_type": FeeType.FREE, "term_start": today,
                                          "term_end": today + dt.timedelta(days=900), "status": OfferStatus.ACTIVE,
                                          "declared_on": dt.date(2026, 1, 1)} for p, _ in ids[::12]])
        s.execute(insert(Need), [{"title": f"需求{i}", "text": "", "organization_id": rng.choice(orgs),
                                  "status": NeedStatus.OPEN, "cooperation_modes": []} for i in range(300)])
        for n in s.scalars(select(Need.id)):
            for code, name in rng.sample(effects, 2):
                tags.append({"entity": TagEntity.NEED, "entity_id": n, "dimension": TagDimension.EFFECT, "code": code,
                             "label": name, "confidence": 1.0, "source": TagSource.EXTRACTED, "evidence": ""})
        s.execute(insert(Tag), tags)
        deals = [{"kind": rng.choice(list(TransactionKind)), "from_org_id": rng.choice(orgs),
                  "to_org_id": rng.choice(orgs),
                  "signed_on": dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2500)),
                  "status": DealStatus.IN_FORCE} for _ in range(patents // 10)]
        s.execute(insert(Transaction), deals)
        s.execute(insert(TransactionPatent), [{"transaction_id": t, "patent_id": rng.choice(ids)[0]}
                                              for t in s.scalars(select(Transaction.id))])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patents", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "nav-bench")
    parser.add_argument("--subfields", choices=("ipc", "topics"), default="ipc")
    args = parser.parse_args()
    from api.navigation_report import write_report
    from matching.landscape import Selection, SubFields, analyse
    from matching.landscape.selection import resolve

    args.out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{args.out / 'bench.db'}"
    (args.out / "bench.db").unlink(missing_ok=True)
    started = time.perf_counter()
    build(url, args.patents, topics=args.subfields == "topics")
    print(f"built {args.patents} patents in {time.perf_counter() - started:.1f} s")
    engine = make_engine(url)
    for run in range(args.runs):
        t0 = time.perf_counter()
        with transaction(engine) as s:
            found = analyse(s, resolve(s, Selection(cluster=CLUSTER)), dt.date(2026, 12, 5),
                            sub=SubFields(args.subfields))
        t1 = time.perf_counter()
        write_report(found, args.out / "report")
        t2 = time.perf_counter()
        print(f"run {run + 1} ({args.subfields}): {found.patents} patents — SQL views {t1 - t0:.2f} s, "
              f"charts+HTML+XLSX {t2 - t1:.2f} s, "
              f"total {t2 - t0:.2f} s")


if __name__ == "__main__":
    main()
