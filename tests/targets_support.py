"""Writes small ledgers straight into a database for the target-report tests (no domain checks on the way:
the report must count what is stored)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from data.enums import DealStatus, LegalStatus, OrgKind, PatentType, TransactionKind
from data.models import (
    AnomalyFlag,
    EnterpriseYear,
    Implementation,
    Organization,
    Patent,
    ProductFiling,
    Transaction,
)


class Books:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.patents = 0

    def org(self, name: str, kind: OrgKind, city: str | None = None, province: str | None = "江苏省") -> Organization:
        found = Organization(name=name, kind=kind, city=city, province=province)
        self.session.add(found)
        self.session.flush()
        return found

    def patent(self) -> Patent:
        self.patents += 1
        found = Patent(application_number=f"2019100{self.patents:05d}.X", patent_type=PatentType.INVENTION,
                       title=f"专利{self.patents}", application_date=dt.date(2015, 1, 1),
                       legal_status=LegalStatus.VALID)
        self.session.add(found)
        self.session.flush()
        return found

    def deal(self, kind: TransactionKind, source: Organization, target: Organization, signed: dt.date | int,
             contract: Decimal | int | None = None, received: Decimal | int | None = None,
             patents: list[Patent] | int = 1, status: DealStatus = DealStatus.IN_FORCE,
             licensee_is_sme: bool | None = None) -> Transaction:
        signed = dt.date(signed, 6, 1) if isinstance(signed, int) else signed
        patents = [self.patent() for _ in range(patents)] if isinstance(patents, int) else patents
        found = Transaction(kind=kind, from_org_id=source.id, to_org_id=target.id, signed_on=signed,
                            contract_amount=None if contract is None else Decimal(contract),
                            received_amount=None if received is None else Decimal(received), status=status,
                            licensee_is_sme=licensee_is_sme, patents=patents)
        self.session.add(found)
        self.session.flush()
        return found

    def confirm(self, deal: Transaction) -> None:
        self.session.add(AnomalyFlag(transaction_id=deal.id, rule="symbolic_price", evidence="测试",
                                     status="confirmed"))
        self.session.flush()

    def figures(self, org: Organization, year: int, revenue: Decimal | int | None, employees: int | None) -> None:
        self.session.add(EnterpriseYear(organization_id=org.id, year=year, employees=employees,
                                        revenue=None if revenue is None else Decimal(revenue)))
        self.session.flush()

    def filing(self, org: Organization, patents: list[Patent], filed_on: dt.date,
               output_value: Decimal | int | None) -> ProductFiling:
        found = ProductFiling(organization_id=org.id, product=f"产品{len(patents)}-{filed_on}", filed_on=filed_on,
                              output_value=None if output_value is None else Decimal(output_value), patents=patents)
        self.session.add(found)
        self.session.flush()
        return found

    def implemented(self, patent: Patent, org: Organization, started: dt.date = dt.date(2022, 1, 1)) -> None:
        self.session.add(Implementation(patent_id=patent.id, organization_id=org.id, started_on=started))
        self.session.flush()
