"""Which handler imports which kind."""

from __future__ import annotations

from data.imports.common import Handler
from data.imports.deals import OffersHandler, TransactionsHandler
from data.imports.enterprise import EnterpriseYearsHandler, ImplementationsHandler, ProductFilingsHandler
from data.imports.needs import NeedsHandler, OrgsHandler
from data.imports.patents import PatentsHandler

HANDLERS: dict[str, Handler] = {
    "orgs": OrgsHandler(),
    "patents": PatentsHandler(),
    "needs": NeedsHandler(),
    "transactions": TransactionsHandler(),
    "offers": OffersHandler(),
    "enterprise_years": EnterpriseYearsHandler(),
    "product_filings": ProductFilingsHandler(),
    "implementations": ImplementationsHandler(),
}
