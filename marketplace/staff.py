"""Finding people in a company's staff list: the search box of the staff page and of a campaign's
recipients. Each word typed must be in the person's last name, first name, staff number or e-mail,
whatever its case and accents ("martin claire", "helene", "M00", "@laiterie")."""
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, select

from marketplace.extensions import db
from marketplace.models import Employee
from marketplace.text_search import each_word_in

PER_PAGE = 50  # the rows of a staff list page (staff, a campaign's recipients): a phone scrolls them


def matching(text: str) -> ColumnElement[bool]:
    """The condition on Employee for the words of `text`; true for an empty text."""
    return each_word_in(text, Employee.last_name, Employee.first_name, Employee.external_id, Employee.email)


def staff_page(employer_id: int, *, archived: bool, text: str, page: int) -> Pagination:
    """One page of the company's active (or archived) staff whose details hold the words of
    `text`, by name."""
    statement = (select(Employee).filter_by(employer_id=employer_id, archived=archived).where(matching(text))
                 .order_by(Employee.last_name, Employee.first_name, Employee.id))
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)
