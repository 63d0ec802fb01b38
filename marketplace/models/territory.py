from marketplace.extensions import db


class Commune(db.Model):
    """A commune of the territory, from INSEE/IGN open data (see data/communes.csv.gz)."""

    __tablename__ = "communes"

    insee = db.Column(db.String(5), primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    slug = db.Column(db.String(140), nullable=False, unique=True)
    postal_codes = db.Column(db.String(120), nullable=False, default="")  # space separated
    latitude = db.Column(db.Float, nullable=False)
    longitude = db.Column(db.Float, nullable=False)
    population = db.Column(db.Integer, nullable=False, default=0)
    epci_code = db.Column(db.String(9), nullable=False, index=True)
    epci_name = db.Column(db.String(200), nullable=False, default="")
    departement = db.Column(db.String(3), nullable=False, index=True)

    shops = db.relationship("Shop", back_populates="commune", order_by="Shop.name")

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()

    @property
    def label(self) -> str:
        codes = self.postal_code_list
        return f"{self.name} ({codes[0]})" if codes else self.name

    def __repr__(self) -> str:
        return f"<Commune {self.insee} {self.name}>"
