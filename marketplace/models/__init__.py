"""All models, importable from one place (Alembic and the app factory import this module)."""
from marketplace.models.users import LoginThrottle, User, UserSession  # noqa: F401
from marketplace.models.territory import Commune
from marketplace.models.shops import (Category, CategoryRedirect, Product, ProductImage, Shop, ShopClosure,
                                      ShopInvitation, ShopMember)
from marketplace.models.employers import Employer, EmployerMember, Employee
from marketplace.models.api_keys import ApiKey
from marketplace.models.campaigns import Campaign, CampaignEmployee, CampaignPayment, EmployerInvitation, StripeEvent  # noqa: F401,E501
from marketplace.models.admin import AuditEvent, PeriodicRun, ReconciliationRun, SettlementLine, SettlementRun, SettlementStatement  # noqa: F401,E501
from marketplace.models.territory_admin import ProductReport, TerritorySettings  # noqa: F401
from marketplace.models.uploads import PendingUpload  # noqa: F401
from marketplace.models.form_submissions import FormSubmission  # noqa: F401
from marketplace.models.bank import BankFeeLabel, BankLine, BankStatement  # noqa: F401
from marketplace.models.credit_purchases import CreditPurchase, CreditPurchaseItem  # noqa: F401
from marketplace.models.card_reminders import GrantExpiryReminder  # noqa: F401
from marketplace.models.stock_alerts import StockAlert  # noqa: F401
from marketplace.models.topup_programmes import TopUpAward, TopUpProgramme  # noqa: F401
from marketplace.models.counters import (CardCounter, CardCounterDay, CardCounterInvitation,  # noqa: F401
                                         CardCounterMember)
from marketplace.models.associations import Association, AssociationInvitation, AssociationManager, AssociationMember  # noqa: F401,E501
from marketplace.models.commune_managers import CommuneInvitation, CommuneManager  # noqa: F401
from marketplace.models.catalogue_sources import CatalogueFeed, CatalogueFeedRun, ProductApiRequest, ShopCategoryAlias  # noqa: F401,E501
from marketplace.models.orders import CartItem, Compartment, LockerBank, LockerDeposit, LockerEvent, Order, OrderLine, OrderPayment, OrderRefund, OrderRefundPart, OrderShop  # noqa: F401,E501

__all__ = [
    "User",
    "Commune",
    "Category",
    "CategoryRedirect",
    "Shop",
    "ShopMember",
    "Product",
    "ProductImage",
    "ShopClosure",
    "ShopInvitation",
    "Employer",
    "EmployerMember",
    "Employee",
    "ApiKey",
]
