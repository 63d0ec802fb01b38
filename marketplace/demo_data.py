"""Vocabulary of the demo territory: names, streets, shop types and their catalogues.

Pure data, read by marketplace/demo.py. A catalogue line `P("Confiture {} {}", FRUITS, SIZES)`
stands for every combination of its variants; a variant may be `(label, price_factor)`.
"""
from dataclasses import dataclass


class P:
    """A family of products: name template, variant axes, unit, price range in cents.

    stock: "normal", "made_to_order" (no stock count: "sur commande") or "scarce".
    """

    def __init__(self, template, *axes, unit="", price=(100, 1000), category=None, description="",
                 stock="normal"):
        self.template = template
        self.axes = axes
        self.unit = unit
        self.price = price
        self.category = category  # defaults to the shop's category
        self.description = description
        self.stock = stock


@dataclass(frozen=True)
class ShopType:
    key: str
    category: str
    names: tuple  # templates: {nom} {prenom} {commune} {de_commune}; each names a person or the commune
    descriptions: tuple
    products: tuple
    product_notes: tuple
    hours: str
    size: int  # relative number of products


SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morin",
    "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval", "Denis",
    "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard",
    "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez",
    "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard",
    "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Guillaume", "Lecomte",
    "Carpentier", "Bouvier", "Jacquot", "Prost", "Bouchard", "Gros", "Guyot", "Monnot", "Voillot",
    "Cornu", "Millot", "Thevenin", "Bouhier", "Jeannin", "Naudin", "Regnier", "Berthier",
    "Chapuis", "Collot", "Morizot", "Tissier", "Bailly", "Drouhin", "Pernot", "Bachelet",
)
FIRST_NAMES = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sophie", "Christine", "Valérie",
    "Sandrine", "Céline", "Julie", "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah",
    "Laura", "Pauline", "Anne", "Hélène", "Claire", "Élise", "Mathilde", "Lucie", "Jeanne",
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Christophe", "Patrick",
    "Laurent", "Frédéric", "Stéphane", "David", "Julien", "Sébastien", "Thomas", "Antoine",
    "Maxime", "Alexandre", "Hugo", "Lucas", "Louis", "Gabriel", "Arthur", "Jules", "Paul",
    "Romain", "Guillaume", "Benoît", "Olivier", "Vincent", "Mathieu", "Bernard", "Didier",
)
STREETS = (
    "Grande Rue", "rue de la République", "place du Marché", "rue Jean Jaurès", "rue de Paris",
    "rue de Dijon", "avenue de la Gare", "rue Victor Hugo", "rue Pasteur", "place de la Mairie",
    "rue du Château", "rue des Tanneries", "rue Carnot", "rue de l'Église", "rue du Bourg",
    "place de l'Hôtel de Ville", "rue Gambetta", "rue Buffon", "rue du Pont", "route de Saulieu",
    "rue des Halles", "rue du Faubourg", "rue de la Liberté", "place Notre-Dame", "rue du Moulin",
    "rue des Écoles", "avenue du Maréchal Leclerc", "rue de la Poste", "quai de l'Armançon",
    "rue de l'Abreuvoir", "route d'Autun", "chemin des Vignes", "rue Basse", "rue Haute",
)
# --- opening hours (missing day = closed) -----------------------------------------------------
MORNING, AFTERNOON = ["09:00", "12:00"], ["14:00", "19:00"]
HOURS = {
    "bakery": {d: [["06:30", "13:00"], ["15:30", "19:30"]] for d in ("tue", "wed", "thu", "fri", "sat")}
    | {"sun": [["07:00", "12:30"]]},
    "food": {d: [["08:30", "12:30"], ["15:00", "19:00"]] for d in ("tue", "wed", "thu", "fri", "sat")}
    | {"sun": [["09:00", "12:00"]]},
    "grocery": {d: [["08:30", "12:30"], ["14:30", "19:30"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    | {"sun": [["09:00", "12:30"]]},
    "fuel": {d: [["07:30", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    | {"sun": [["08:30", "12:00"]]},
    "retail": {d: [MORNING, AFTERNOON] for d in ("tue", "wed", "thu", "fri", "sat")},
    "hardware": {"mon": [["14:00", "18:30"]]}
    | {d: [["08:30", "12:00"], ["14:00", "18:30"]] for d in ("tue", "wed", "thu", "fri")}
    | {"sat": [["08:30", "12:00"], ["14:00", "17:00"]]},
    "farm": {d: [["08:00", "12:00"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": [["08:00", "12:00"]]},
    "workshop": {d: [["10:00", "12:30"], ["14:00", "18:30"]] for d in ("wed", "thu", "fri", "sat")},
    "pharmacy": {d: [["09:00", "12:15"], ["14:00", "19:15"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": [["09:00", "12:30"]]},
}

# --- shared variant lists ----------------------------------------------------------------------
FRUITS_CONFITURE = ("d'abricot", "de fraise", "de framboise", "de cassis", "de mirabelle",
                    "de myrtille", "de cerise noire", "de rhubarbe", "d'orange amère", "de figue",
                    "de groseille", "de mûre", "de poire", "de quetsche", "de reine-claude")
POT_SIZES = (("250 g", 1.0), ("370 g", 1.35))
# invariable colour names, so that "Robe en lin kaki" and "Pull en laine kaki" are both right
COLOURS = ("anthracite", "marine", "bordeaux", "kaki", "vert sapin", "sable", "écru", "bleu ciel")
CLOTH_SIZES = ("S", "M", "L", "XL")
LEATHER = ("noir", "marron", "cognac", "naturel")
WOODS = ("chêne", "noyer", "hêtre", "merisier", "frêne")
GLAZES = ("bleu Morvan", "céladon", "blanc d'étain", "brun tenmoku", "vert de cuivre", "miel")
WINE_YEARS = ("2019", "2020", "2021", "2022")

BAKERY = (
    P("Baguette tradition", unit="la pièce", price=(115, 140), stock="made_to_order"),
    P("Baguette", unit="la pièce", price=(95, 115), stock="made_to_order"),
    P("Ficelle", unit="la pièce", price=(70, 90), stock="made_to_order"),
    P("Pain de campagne {}", (("400 g", 1.0), ("800 g", 1.8)), unit="la pièce", price=(220, 260),
      description="Pâte au levain, longue fermentation, cuit sur sole.", stock="made_to_order"),
    P("Pain {}", ("aux céréales", "complet", "de seigle", "aux noix", "aux figues",
                  "au levain", "d'épeautre", "aux raisins et noisettes", "sans sel", "de mie"),
      unit="la pièce", price=(240, 420), stock="made_to_order"),
    P("Fougasse {}", ("aux olives", "aux lardons", "au fromage", "nature"), unit="la pièce",
      price=(260, 380), stock="made_to_order"),
    P("{}", ("Croissant au beurre", "Pain au chocolat", "Pain aux raisins", "Chausson aux pommes",
             "Brioche au sucre", "Chouquettes (x10)", "Oranais", "Torsade au chocolat",
             "Croissant aux amandes", "Kouign-amann"), unit="la pièce", price=(110, 330)),
    P("Brioche {} {}", ("tressée", "aux pralines roses", "aux pépites de chocolat", "nanterre"),
      ("400 g", "600 g"), unit="la pièce", price=(480, 890), stock="made_to_order"),
    P("Tarte {} {}", ("aux pommes", "aux fraises", "au citron meringuée", "bourdaloue aux poires",
                       "aux myrtilles", "aux abricots", "normande", "au chocolat", "aux mirabelles"),
      (("4 parts", 1.0), ("6 parts", 1.45), ("8 parts", 1.9)), unit="la pièce", price=(1100, 1500),
      stock="made_to_order"),
    P("{}", ("Éclair au café", "Éclair au chocolat", "Paris-Brest", "Millefeuille",
             "Flan pâtissier (la part)", "Religieuse au chocolat", "Tartelette aux fraises",
             "Baba au rhum", "Opéra (la part)", "Choux à la crème"), unit="la pièce",
      price=(280, 420)),
    P("{} {}", ("Fraisier", "Forêt-noire", "Entremets trois chocolats", "Charlotte aux framboises",
                "Saint-Honoré", "Vacherin glacé"), (("4 parts", 1.0), ("6 parts", 1.5), ("8 parts", 2.0)),
      unit="la pièce", price=(1600, 2200), stock="made_to_order",
      description="Sur commande, 48 heures à l'avance."),
    P("Gougères au comté (x{})", (("12", 1.0), ("24", 1.9)), unit="le sachet", price=(550, 650),
      description="La spécialité bourguignonne, à servir tiède à l'apéritif."),
    P("Quiche {}", ("lorraine", "saumon-poireaux", "chèvre-épinards", "aux légumes du jardin"),
      unit="la part", price=(350, 450)),
    P("Pain d'épices {} {}", ("au miel", "aux écorces d'orange", "aux noix"), ("300 g", "500 g"),
      unit="la pièce", price=(480, 820)),
    P("Bûche de Noël {} {}", ("au chocolat", "praliné", "vanille-fruits rouges", "marrons"),
      (("6 parts", 1.0), ("8 parts", 1.3)), unit="la pièce", price=(2400, 2900),
      category="produits-festifs", stock="made_to_order", description="Disponible en décembre, sur commande."),
    P("Galette des rois {} {}", ("frangipane", "pommes-frangipane", "briochée aux fruits confits"),
      (("4 parts", 1.0), ("6 parts", 1.4), ("8 parts", 1.8)), unit="la pièce", price=(1250, 1500),
      stock="made_to_order"),
    P("Macarons {} (x{})", ("assortis", "au chocolat", "à la framboise", "au cassis"), ("6", "12"),
      unit="la boîte", price=(780, 1500)),
)

BUTCHER = (
    P("{} de charolais", ("Entrecôte", "Faux-filet", "Côte de bœuf", "Bavette", "Onglet",
                          "Rumsteck", "Filet", "Paleron", "Joue", "Plat de côtes", "Rôti"),
      unit="le kg", price=(1690, 4890), description="Bœuf charolais né et élevé dans l'Auxois."),
    P("Bœuf bourguignon {}", ("(à mijoter)", "cuisiné (la part)"), unit="le kg", price=(1490, 1990)),
    P("Steak haché {}", ("5 % MG (x2)", "15 % MG (x2)", "façon bouchère (x4)"), unit="la barquette",
      price=(490, 1090)),
    P("{} de porc fermier", ("Côtes", "Rôti", "Échine", "Filet mignon", "Travers", "Palette"),
      unit="le kg", price=(990, 2490)),
    P("{} d'agneau", ("Gigot", "Côtelettes", "Épaule", "Navarin"), unit="le kg", price=(1890, 3490)),
    P("{} de veau", ("Escalope", "Blanquette", "Rôti", "Tendron", "Paupiettes"), unit="le kg",
      price=(1990, 3990)),
    P("Saucisse {}", ("de Toulouse", "aux herbes", "de Morteau", "fumée", "chipolata", "merguez"),
      unit="le kg", price=(1190, 1890)),
    P("{}", ("Jambon persillé de Bourgogne", "Pâté en croûte", "Terrine de campagne",
             "Terrine de lapin", "Rillettes de porc", "Fromage de tête", "Jambon blanc à l'os",
             "Jambon cru de pays", "Andouillette de Chablis", "Boudin noir", "Boudin blanc",
             "Saucisson sec", "Rosette", "Lard fumé", "Poitrine salée", "Museau vinaigrette",
             "Pâté de campagne au poivre vert", "Terrine de foies de volaille"),
      unit="les 100 g", price=(190, 590)),
    P("{} fermier", ("Poulet", "Pintade", "Canard", "Lapin", "Coquelet"), unit="le kg",
      price=(890, 1590)),
    P("Escargots de Bourgogne (x{})", (("12", 1.0), ("24", 1.9), ("48", 3.6)), unit="la douzaine",
      price=(790, 990), category="produits-festifs"),
    P("{}", ("Foie gras de canard mi-cuit", "Chapon fermier", "Dinde fermière", "Boudin blanc truffé"),
      unit="le kg", price=(2490, 11900), category="produits-festifs", stock="made_to_order",
      description="Pour les fêtes, à réserver avant le 15 décembre."),
    P("Plat cuisiné : {}", ("coq au vin", "œufs en meurette", "jambon à la chablisienne",
                              "langue sauce piquante", "tête de veau gribiche", "pot-au-feu"),
      unit="la part", price=(690, 1090)),
)

CHEESE = (
    P("{}", ("Époisses AOP", "Soumaintrain IGP", "Langres AOP", "Chaource AOP", "Abbaye de Cîteaux",
             "Ami du Chambertin", "Affidélice au chablis", "Brillat-Savarin IGP", "Charolais AOP",
             "Mâconnais AOP", "Crottin de chèvre fermier", "Bouton de culotte",
             "Brie de Meaux AOP", "Camembert de Normandie AOP", "Reblochon AOP", "Saint-Nectaire AOP",
             "Munster AOP", "Pont-l'Évêque AOP", "Rocamadour AOP", "Valençay AOP"),
      unit="la pièce", price=(390, 1690), description="Affiné dans notre cave."),
    P("Comté AOP {}", (("12 mois", 1.0), ("18 mois", 1.2), ("24 mois", 1.45), ("36 mois", 1.8)),
      unit="le kg", price=(2290, 2490)),
    P("{}", ("Beaufort AOP", "Morbier AOP", "Bleu de Gex AOP", "Tomme de Savoie IGP",
             "Roquefort AOP", "Mimolette vieille", "Cantal entre-deux AOP", "Salers AOP",
             "Tomme de chèvre du Morvan", "Raclette au lait cru"), unit="le kg", price=(1690, 3490)),
    P("Yaourt fermier {} (x4)", ("nature", "vanille", "fraise", "cassis", "citron", "au miel"),
      unit="le lot", price=(290, 390)),
    P("{}", ("Crème fraîche épaisse 25 cl", "Crème crue 50 cl", "Beurre de baratte doux 250 g",
             "Beurre de baratte demi-sel 250 g", "Fromage blanc fermier 500 g",
             "Faisselle de chèvre", "Lait cru entier 1 l", "Œufs de plein air (x6)",
             "Œufs de plein air (x12)"), unit="la pièce", price=(150, 590)),
    P("Plateau de fromages {} ({} personnes)", ("bourguignon", "de nos régions", "de chèvres"),
      (("4", 1.0), ("8", 1.9), ("12", 2.7)), unit="le plateau", price=(2400, 2900),
      stock="made_to_order", category="produits-festifs"),
)

GROCERY = (
    P("Confiture {} {}", FRUITS_CONFITURE, POT_SIZES, unit="le pot", price=(390, 520),
      description="Cuite en chaudron de cuivre, 60 % de fruits."),
    P("Miel {} {}", ("de fleurs", "d'acacia", "de châtaignier", "de tilleul", "de forêt",
                     "de colza crémeux", "de sapin"), (("250 g", 1.0), ("500 g", 1.8), ("1 kg", 3.3)),
      unit="le pot", price=(490, 690), description="Récolté dans le Morvan par un apiculteur voisin."),
    P("Moutarde de Dijon {} {}", ("forte", "à l'ancienne", "au cassis", "au miel", "à l'estragon",
                                  "au pain d'épices"), (("210 g", 1.0), ("370 g", 1.5)),
      unit="le pot", price=(220, 390)),
    P("Anis de Flavigny {} {}", ("à la violette", "à la menthe", "au citron", "à l'anis",
                                 "à la réglisse", "à la rose", "à l'orange"), (("50 g", 1.0), ("125 g", 2.1)),
      unit="la boîte", price=(290, 350), description="Les bonbons de l'abbaye de Flavigny-sur-Ozerain."),
    P("Crème de cassis de Dijon {}", (("50 cl", 1.0), ("70 cl", 1.3)), unit="la bouteille",
      price=(1290, 1690)),
    P("Pâtes {} 500 g", ("coquillettes", "spaghetti", "penne", "tagliatelles", "fusilli",
                          "macaronis", "farfalle", "lasagnes"), unit="le paquet", price=(110, 290)),
    P("Farine de blé {} 1 kg", ("T45", "T55", "T65", "T80", "T110", "de meule"), unit="le paquet",
      price=(140, 320)),
    P("{}", ("Riz long grain 1 kg", "Riz basmati 1 kg", "Riz rond 1 kg", "Lentilles vertes 500 g",
             "Pois cassés 500 g", "Haricots lingots 500 g", "Semoule fine 1 kg", "Flocons d'avoine 500 g",
             "Sucre en poudre 1 kg", "Sucre en morceaux 1 kg", "Cassonade 500 g", "Sel de Guérande 1 kg",
             "Poivre noir en grains 50 g", "Levure boulangère", "Chocolat noir à pâtir 200 g",
             "Cacao en poudre 250 g", "Café moulu pur arabica 250 g", "Café en grains 1 kg",
             "Thé noir (x25 sachets)", "Tisane verveine (x20 sachets)", "Chicorée soluble 250 g"),
      unit="la pièce", price=(95, 1490)),
    P("Huile {} {}", ("d'olive vierge extra", "de colza", "de tournesol", "de noix", "de noisette"),
      (("50 cl", 1.0), ("1 l", 1.8)), unit="la bouteille", price=(290, 890)),
    P("Vinaigre {} 50 cl", ("de vin rouge", "de Xérès", "balsamique", "de cidre", "au cassis",
                            "à l'échalote"), unit="la bouteille", price=(190, 590)),
    P("Conserve : {}", ("petits pois carottes", "haricots verts extra-fins", "ratatouille",
                         "cassoulet", "choucroute garnie", "lentilles cuisinées", "sardines à l'huile",
                         "thon au naturel", "maquereaux au vin blanc", "raviolis", "flageolets",
                         "tomates pelées", "concentré de tomate", "cœurs d'artichaut"),
      unit="la boîte", price=(120, 690)),
    P("Soupe {} 1 l", ("de légumes", "potiron-châtaigne", "poireaux-pommes de terre", "de poisson",
                        "à l'oignon"), unit="la brique", price=(220, 420)),
    P("Biscuits {}", ("sablés au beurre", "galettes bretonnes", "boudoirs", "croquants aux amandes",
                       "cigarettes russes", "madeleines", "cookies aux pépites", "palets"),
      unit="le paquet", price=(180, 490)),
    P("Jus de pomme {} 1 l", ("de l'Auxois", "pétillant", "pomme-cassis", "pomme-poire"),
      unit="la bouteille", price=(250, 390)),
    P("{}", ("Lait demi-écrémé 1 l", "Lait entier 1 l", "Œufs frais (x6)", "Œufs frais (x12)",
             "Beurre doux 250 g", "Crème fraîche 20 cl", "Emmental râpé 200 g", "Yaourts nature (x8)",
             "Jambon blanc (x4 tranches)", "Lardons fumés 200 g"), unit="la pièce", price=(110, 450)),
    P("{}", ("Liquide vaisselle 750 ml", "Lessive liquide 2 l", "Éponges (x3)", "Papier toilette (x6)",
             "Essuie-tout (x2)", "Sacs poubelle 30 l", "Allumettes", "Bougies chauffe-plat (x50)",
             "Piles AA (x4)", "Savon de Marseille 300 g"), unit="la pièce", price=(120, 890)),
    P("{}", ("Bière blonde de l'Auxois 33 cl", "Eau minérale 1,5 l", "Limonade artisanale 75 cl",
             "Sirop de cassis 70 cl", "Sirop de menthe 70 cl", "Bourgogne rouge 75 cl"),
      unit="la bouteille", price=(80, 990), category="vins-boissons"),
)

PRODUCE = (
    P("Pommes {}", ("golden", "gala", "reinette grise du Canada", "boskoop", "pink lady",
                    "belchard", "jonagold"), unit="le kg", price=(220, 390)),
    P("Poires {}", ("conférence", "williams", "comice", "louise-bonne"), unit="le kg", price=(250, 420)),
    P("Pommes de terre {} {}", ("charlotte", "bintje", "roseval", "agata", "amandine"),
      (("1 kg", 1.0), ("5 kg", 4.0)), unit="le sac", price=(140, 220)),
    P("Salade {}", ("laitue", "batavia", "feuille de chêne", "frisée", "scarole", "romaine"),
      unit="la pièce", price=(110, 180)),
    P("{}", ("Mâche", "Roquette", "Épinards", "Haricots verts", "Petits pois", "Cerises",
             "Fraises gariguette", "Framboises", "Myrtilles", "Abricots", "Pêches", "Nectarines",
             "Prunes", "Mirabelles", "Raisin chasselas", "Figues", "Clémentines", "Oranges à jus",
             "Citrons", "Bananes", "Kiwis", "Noix fraîches", "Châtaignes"), unit="le kg",
      price=(250, 1490)),
    P("{}", ("Carottes", "Poireaux", "Oignons jaunes", "Oignons rouges", "Échalotes", "Courgettes",
             "Aubergines", "Poivrons", "Tomates grappe", "Tomates cœur de bœuf", "Tomates cerises",
             "Concombres", "Navets", "Betteraves cuites", "Céleri-rave", "Potimarron", "Butternut",
             "Champignons de Paris", "Endives", "Choux de Bruxelles", "Panais", "Topinambours",
             "Ail", "Radis", "Chou-fleur", "Chou vert"), unit="le kg", price=(150, 690)),
    P("Bouquet de {}", ("persil", "ciboulette", "basilic", "coriandre", "thym", "menthe", "estragon"),
      unit="la botte", price=(90, 180)),
    P("Panier de saison {}", (("petit", 1.0), ("moyen", 1.6), ("familial", 2.4)), unit="le panier",
      price=(1200, 1500), stock="made_to_order", description="Fruits et légumes du moment, producteurs du coin."),
)

WINES = (
    P("{} {} {}", ("Bourgogne Hautes-Côtes de Beaune", "Bourgogne Hautes-Côtes de Nuits",
                   "Bourgogne", "Santenay", "Savigny-lès-Beaune", "Mercurey", "Givry", "Rully",
                   "Marsannay", "Irancy"), ("rouge", "blanc"), WINE_YEARS, unit="la bouteille",
      price=(1190, 2990)),
    P("{} {}", ("Pommard", "Gevrey-Chambertin", "Nuits-Saint-Georges", "Volnay", "Chambolle-Musigny",
                "Vosne-Romanée", "Meursault", "Puligny-Montrachet"), WINE_YEARS, unit="la bouteille",
      price=(3900, 8900)),
    P("{} {}", ("Chablis", "Chablis premier cru", "Petit Chablis", "Bourgogne Aligoté",
                "Saint-Bris", "Pouilly-Fuissé", "Mâcon-Villages", "Viré-Clessé"), WINE_YEARS,
      unit="la bouteille", price=(990, 3490)),
    P("Bière artisanale de l'Auxois {} {}", ("blonde", "ambrée", "brune", "blanche", "IPA",
                                             "de Noël", "au miel"), (("33 cl", 1.0), ("75 cl", 2.0)),
      unit="la bouteille", price=(290, 390)),
    P("{}", ("Ratafia de Bourgogne 70 cl", "Marc de Bourgogne 70 cl", "Fine de Bourgogne 70 cl",
             "Crème de cassis 70 cl", "Crème de pêche de vigne 50 cl", "Liqueur de poire 50 cl",
             "Jus de raisin bio 1 l", "Cidre brut 75 cl", "Poiré 75 cl", "Eau de vie de mirabelle 50 cl"),
      unit="la bouteille", price=(390, 4500)),
    P("{} {}", ("Crémant de Bourgogne brut", "Crémant de Bourgogne rosé",
                "Champagne brut", "Champagne rosé", "Champagne millésimé"),
      (("75 cl", 1.0), ("magnum 150 cl", 2.2)), unit="la bouteille", price=(1190, 4900),
      category="produits-festifs"),
    P("Coffret {} ({} bouteilles)", ("découverte Côte de Beaune", "Chablis", "crémants",
                                      "grands vins de Bourgogne"), (("3", 1.0), ("6", 1.9)),
      unit="le coffret", price=(4500, 9900), category="produits-festifs", stock="scarce"),
)

CHOCOLATIER = (
    P("Ballotin de chocolats {} {}", ("assortis", "noirs", "au lait", "pralinés"),
      (("250 g", 1.0), ("500 g", 1.9), ("750 g", 2.7)), unit="le ballotin", price=(1890, 2290)),
    P("{} {}", ("Truffes au chocolat", "Orangettes", "Mendiants", "Rochers pralinés",
                "Pâtes de fruits", "Nougat de Montélimar", "Marrons glacés", "Florentins",
                "Cassissines de Dijon", "Guimauves artisanales", "Caramels au beurre salé"),
      (("150 g", 1.0), ("300 g", 1.9)), unit="la boîte", price=(790, 1890)),
    P("Tablette {} 100 g", ("noir 70 %", "noir 85 %", "au lait", "blanc", "noir amandes",
                            "lait noisettes", "noir orange", "lait caramel", "noir piment d'Espelette"),
      unit="la tablette", price=(390, 590), category="epicerie"),
    P("Calendrier de l'Avent {}", ("au chocolat noir", "au chocolat au lait"), unit="la pièce",
      price=(1490, 1990), stock="scarce"),
    P("{1} moulage de Pâques : {0}", ("poule", "lapin", "œuf garni", "cloche", "poisson"),
      (("Petit", 1.0), ("Grand", 2.2)), unit="la pièce", price=(790, 1190), stock="scarce"),
    P("Foie gras de canard {} {}", ("entier", "mi-cuit", "au marc de Bourgogne"),
      (("180 g", 1.0), ("300 g", 1.6)), unit="le bocal", price=(2590, 3490)),
    P("{}", ("Escargots préparés (x24)", "Saumon fumé 4 tranches", "Pain d'épices de Dijon 500 g",
             "Bûche glacée 6 parts", "Champagne brut 75 cl", "Crémant de Bourgogne 75 cl"),
      unit="la pièce", price=(990, 3900)),
)

FUEL = (
    P("{} (le litre, à la pompe)", ("Gazole", "SP95-E10", "SP98", "E85", "GPL"), unit="le litre",
      price=(110, 195), category="carburant", description="Prix à la pompe du jour, paiement au comptoir."),
    P("Fioul domestique, livraison {} litres", (("500", 1.0), ("1000", 1.95), ("2000", 3.85)),
      unit="la livraison", price=(59000, 62000), category="carburant", stock="made_to_order",
      description="Livraison à domicile sous 5 jours dans un rayon de 20 km."),
    P("Gaz {} (échange de bouteille)", ("butane 13 kg", "propane 13 kg", "propane 35 kg"),
      unit="la bouteille", price=(3490, 8990), category="carburant"),
    P("{}", ("AdBlue 10 l", "Huile moteur 5W30 5 l", "Huile moteur 10W40 5 l", "Lave-glace été 5 l",
             "Lave-glace hiver -20 °C 5 l", "Liquide de refroidissement 5 l", "Liquide de frein 500 ml",
             "Balais d'essuie-glace (la paire)", "Ampoule H7", "Ampoule H4", "Kit de sécurité (gilet et triangle)",
             "Chaînes à neige", "Dégivrant 500 ml", "Sac de charbon de bois 10 kg",
             "Allume-feu (x72)", "Bois de chauffage 1 stère"), unit="la pièce", price=(290, 14900),
      category="bricolage"),
    P("Lavage {}", ("simple", "complet", "intérieur et extérieur"), unit="", price=(600, 2500),
      category="reparation", stock="made_to_order"),
)

HARDWARE = (
    P("Boulon {} x {} {} (x10)", (("M6", 1.0), ("M8", 1.3), ("M10", 1.7), ("M12", 2.3)),
      (("20", 1.0), ("30", 1.1), ("40", 1.2), ("50", 1.35), ("60", 1.5), ("80", 1.8)),
      (("zingué", 1.0), ("inox", 2.4)), unit="le sachet", price=(190, 240)),
    P("Écrou {} {} (x20)", (("M6", 1.0), ("M8", 1.2), ("M10", 1.5), ("M12", 2.0)),
      (("hexagonal", 1.0), ("frein nylon", 1.6), ("borgne", 2.2)), unit="le sachet", price=(150, 190)),
    P("Rondelle plate {} (x50)", (("M6", 1.0), ("M8", 1.2), ("M10", 1.5), ("M12", 1.9)),
      unit="le sachet", price=(150, 190)),
    P("Vis à bois {} {} (boîte de 200)", (("3 x 16", 1.0), ("3,5 x 25", 1.1), ("4 x 30", 1.2),
                                           ("4 x 40", 1.35), ("5 x 50", 1.6), ("5 x 70", 1.9), ("6 x 80", 2.4)),
      (("tête fraisée", 1.0), ("tête ronde", 1.05), ("inox", 2.2)), unit="la boîte", price=(490, 560)),
    P("Cheville {} {} (x{})", ("nylon", "métallique", "à frapper"), (("6 mm", 1.0), ("8 mm", 1.2),
                                                                     ("10 mm", 1.5)),
      (("20", 1.0), ("50", 2.1)), unit="le sachet", price=(250, 390)),
    P("Pointes {} {} 1 kg", ("tête plate", "tête homme", "torsadées"), ("25 mm", "40 mm", "60 mm",
                                                                        "80 mm", "100 mm"),
      unit="la boîte", price=(490, 690)),
    P("Cadenas {} {}", ("laiton", "acier", "à combinaison"), (("30 mm", 1.0), ("40 mm", 1.3),
                                                            ("50 mm", 1.7)), unit="la pièce", price=(490, 990)),
    P("Charnière {} {} (x2)", ("acier", "laiton", "inox"), (("40 mm", 1.0), ("60 mm", 1.2),
                                                          ("80 mm", 1.5)), unit="la paire", price=(290, 490)),
    P("Chaîne {} {}", ("acier zingué", "inox", "plastique"), (("4 mm", 1.0), ("6 mm", 1.6),
                                                             ("8 mm", 2.4)), unit="le mètre", price=(190, 390)),
    P("Corde {} {}", ("polypropylène", "chanvre", "nylon tressé"), (("6 mm", 1.0), ("10 mm", 1.7),
                                                                   ("14 mm", 2.6)), unit="le mètre", price=(60, 150)),
    P("Ampoule LED {} {}", ("E27", "E14", "GU10", "B22"), (("4 W", 1.0), ("7 W", 1.2), ("10 W", 1.5)),
      unit="la pièce", price=(350, 590), category="electromenager"),
    P("Tuyau d'arrosage {} {}", (("15 mm", 1.0), ("19 mm", 1.4)), (("15 m", 1.0), ("25 m", 1.5),
                                                                  ("50 m", 2.7)), unit="la pièce",
      price=(1490, 1990), category="jardinerie-fleurs"),
    P("{}", ("Rallonge électrique 10 m", "Multiprise 4 prises", "Scotch d'emballage", "Ruban adhésif de masquage",
             "Mastic silicone blanc", "Colle néoprène", "Colle à bois vinylique", "Dégrippant 400 ml",
             "Graisse multi-usages", "Serre-câbles (x100)", "Fil de fer galvanisé 50 m",
             "Gants de travail", "Lunettes de protection", "Mètre ruban 5 m", "Niveau à bulle 60 cm",
             "Crochet d'attelage", "Tendeur élastique (x4)", "Bâche armée 4 x 5 m", "Brosse métallique",
             "Cire d'abeille pour meubles", "Huile de lin 1 l", "White-spirit 1 l", "Papier de verre (x10)",
             "Serrure de porte", "Verrou à targette", "Boîte aux lettres", "Poubelle 50 l",
             "Seau galvanisé 10 l", "Arrosoir 10 l", "Piège à souris (x2)"),
      unit="la pièce", price=(190, 3990)),
)

DIY = (
    P("{}", ("Marteau de menuisier", "Maillet en caoutchouc", "Tournevis plat", "Tournevis cruciforme",
             "Jeu de tournevis (x6)", "Pince multiprise", "Pince coupante", "Clé à molette",
             "Jeu de clés plates (x8)", "Scie égoïne", "Scie à métaux", "Cutter à lame sécable",
             "Serre-joint", "Équerre de menuisier", "Ciseaux à bois (x3)", "Rabot", "Lime",
             "Agrafeuse murale", "Pistolet à colle", "Escabeau 5 marches"), unit="la pièce",
      price=(490, 6900)),
    P("Perceuse-visseuse sans fil {}", (("12 V", 1.0), ("18 V", 1.5), ("18 V, 2 batteries", 2.1)),
      unit="la pièce", price=(6900, 8900)),
    P("Mèches {} {}", ("béton", "métal", "bois"), (("5 mm", 1.0), ("6 mm", 1.05), ("8 mm", 1.2),
                                                  ("10 mm", 1.4), ("12 mm", 1.7)), unit="la pièce",
      price=(250, 390)),
    P("Peinture {} {} {}", ("acrylique murs et plafonds", "glycéro boiseries", "façade",
                            "sol", "fer antirouille"), ("blanc mat", "blanc satiné", "gris perle",
                                                       "vert bouteille", "rouge basque"),
      (("0,5 l", 1.0), ("2,5 l", 3.6)), unit="le pot", price=(990, 1490)),
    P("{}", ("Pinceau plat 50 mm", "Rouleau anti-gouttes", "Bac à peinture", "Bâche de protection",
             "Enduit de rebouchage 1 kg", "Plâtre 5 kg", "Ciment 35 kg", "Mortier prêt à l'emploi 25 kg",
             "Sable 35 kg", "Chaux hydraulique 25 kg", "Laine de verre 100 mm (le rouleau)",
             "Plaque de plâtre BA13", "Tasseau sapin 27 x 27 2 m", "Planche sapin 200 x 20 cm",
             "Contreplaqué 10 mm 122 x 61 cm", "Lasure chêne clair 1 l", "Vitrificateur parquet 2,5 l",
             "Joint de carrelage 5 kg", "Colle à carrelage 25 kg", "Brouette 100 l"), unit="la pièce",
      price=(290, 8900)),
)

FARM_PARTS = (
    P("Courroie trapézoïdale {}{} pour faucheuse", ("A", "B", "C", "SPZ", "SPA", "SPB"),
      (("1000", 1.0), ("1250", 1.15), ("1500", 1.3), ("1750", 1.45), ("2000", 1.6), ("2500", 1.9)),
      unit="la pièce", price=(890, 1290)),
    P("Couteau de faucheuse rotative {} (x25)", ("gauche", "droit", "renforcé gauche", "renforcé droit"),
      unit="la boîte", price=(3990, 5490)),
    P("Dent de {} {}", ("faneuse", "andaineur", "herse rotative", "vibroculteur", "pick-up de presse"),
      ("standard", "renforcée"), unit="la pièce", price=(490, 2490)),
    P("Soc de charrue {} {}", ("14 pouces", "16 pouces", "18 pouces"), ("droit", "gauche"),
      unit="la pièce", price=(3490, 5990)),
    P("Filtre {} pour tracteur {}", ("à huile", "à gazole", "à air", "hydraulique"),
      ("40-80 ch", "80-120 ch", "120-200 ch"), unit="la pièce", price=(1290, 5490)),
    P("Roulement à billes {}", ("6202 2RS", "6203 2RS", "6204 2RS", "6205 2RS", "6206 2RS",
                                 "6207 2RS", "6305 2RS", "6306 2RS", "UCFL 205", "UCP 206"),
      unit="la pièce", price=(490, 2990)),
    P("Flexible hydraulique {} {}", (("3/8", 1.0), ("1/2", 1.3)), (("1 m", 1.0), ("1,5 m", 1.25),
                                                                  ("2 m", 1.5), ("3 m", 2.0)),
      unit="la pièce", price=(2290, 2790)),
    P("Coupleur hydraulique {} {}", ("mâle", "femelle"), ("1/2", "3/8", "3/4"), unit="la pièce",
      price=(890, 1890)),
    P("Goupille {} {} (x10)", ("clip", "béta", "fendue", "d'attelage"), ("8 mm", "10 mm", "12 mm"),
      unit="le sachet", price=(390, 1290)),
    P("{}", ("Rotule de 3e point cat. 2", "Barre d'attelage 3e point", "Axe d'attelage cat. 2",
             "Chape de vérin", "Vérin double effet 500 mm", "Cardan homocinétique 1 m",
             "Protection de cardan", "Boîtier de graissage", "Pompe à graisse manuelle",
             "Graisse au lithium 5 kg", "Huile hydraulique HV46 20 l", "Huile transmission UTTO 20 l",
             "Liquide de refroidissement tracteur 20 l", "Feu arrière de remorque",
             "Gyrophare LED", "Rétroviseur de tracteur", "Siège de tracteur", "Batterie 12 V 110 Ah",
             "Chambre à air 16.9-34", "Pneu de brouette", "Ficelle de botteleuse 130 m/kg",
             "Filet balles rondes 3000 m", "Film d'enrubannage 750 mm", "Bâche d'ensilage 12 x 50 m",
             "Ficelle sisal 2 kg"), unit="la pièce", price=(790, 32900)),
    P("Clôture électrique : {}", ("électrificateur sur secteur", "électrificateur sur batterie",
                                  "piquets fibre (x10)", "piquets acier (x10)", "isolateurs (x25)",
                                  "fil polycorde 500 m", "ruban 40 mm 200 m", "poignée de porte",
                                  "testeur de clôture", "ressort de porte"), unit="la pièce",
      price=(590, 29900)),
    P("Réparation de {}", ("faucheuse", "presse à balles", "tronçonneuse", "débroussailleuse",
                            "tondeuse autoportée"), unit="forfait main d'œuvre (1 h)", price=(5500, 6500),
      category="reparation", stock="made_to_order", description="Sur rendez-vous, pièces en sus."),
)

FLOWERS = (
    P("Bouquet {} {}", ("de saison", "de roses", "champêtre", "de tulipes", "de pivoines",
                        "blanc et vert"), (("petit", 1.0), ("moyen", 1.6), ("généreux", 2.4)),
      unit="le bouquet", price=(1900, 2500), stock="made_to_order"),
    P("{} (à la tige)", ("Rose rouge", "Rose blanche", "Gerbera", "Lys", "Tournesol", "Pivoine",
                         "Renoncule"), unit="la tige", price=(250, 590)),
    P("{}", ("Orchidée en pot", "Cyclamen", "Azalée", "Hortensia", "Kalanchoé", "Plante grasse",
             "Ficus", "Monstera", "Chrysanthème", "Bruyère d'hiver", "Sapin de Noël Nordmann 1,5 m",
             "Couronne de l'Avent", "Houx en pot"), unit="la pièce", price=(590, 4900)),
    P("Plants de {} (x6)", ("tomates", "salades", "courgettes", "poivrons", "fraisiers", "choux",
                            "poireaux", "aubergines"), unit="le lot", price=(390, 690)),
    P("Graines de {}", ("radis", "carottes", "haricots", "capucines", "cosmos", "tournesols",
                        "persil", "basilic", "pois", "épinards"), unit="le sachet", price=(190, 390)),
    P("{}", ("Terreau universel 40 l", "Terreau géranium 20 l", "Engrais gazon 5 kg",
             "Paillage de chanvre 50 l", "Gants de jardinage", "Sécateur", "Cisaille à haie",
             "Râteau", "Bêche", "Binette", "Transplantoir", "Rosier buisson", "Arbuste à fleurs",
             "Pommier en scion", "Haie champêtre (x10 plants)"), unit="la pièce", price=(290, 4900)),
    P("Pot en terre cuite {}", (("14 cm", 1.0), ("20 cm", 1.8), ("30 cm", 3.2), ("40 cm", 5.5)),
      unit="la pièce", price=(290, 390)),
    P("Composition de deuil {}", (("coussin", 1.0), ("gerbe", 1.6), ("couronne", 2.2)),
      unit="la pièce", price=(4500, 5500), stock="made_to_order"),
)

BOOKS = (
    P("{} (livre)", ("Randonnées dans le Morvan", "Le canal de Bourgogne à vélo", "Alésia, la bataille",
                     "Buffon à Montbard", "Les abbayes de Bourgogne", "Cuisine bourguignonne de nos grand-mères",
                     "Le Morvan des résistants", "Les châteaux de l'Auxois", "Flore des prés et des bois",
                     "Les oiseaux du jardin", "Semur-en-Auxois, cité médiévale", "Contes du Morvan"),
      unit="la pièce", price=(1490, 3500)),
    P("{} (poche)", ("Les Misérables", "Madame Bovary", "Germinal", "Le Petit Prince", "L'Étranger",
                     "Le Comte de Monte-Cristo", "Bel-Ami", "Les Trois Mousquetaires", "Colette : Sido",
                     "Le Grand Meaulnes", "La Gloire de mon père", "Vingt mille lieues sous les mers"),
      unit="la pièce", price=(390, 990)),
    P("Carte de randonnée IGN {}", ("Saulieu", "Semur-en-Auxois", "Montbard", "Arnay-le-Duc",
                                     "Lac de Pannecière", "Morvan nord"), unit="la pièce", price=(1290, 1490)),
    P("Cahier {} {}", ("grands carreaux", "petits carreaux", "à dessin"),
      (("96 pages", 1.0), ("192 pages", 1.7)), unit="la pièce", price=(190, 390)),
    P("{}", ("Stylo bille bleu", "Stylo plume", "Crayons de couleur (x24)", "Feutres (x12)",
             "Gomme", "Taille-crayon", "Règle 30 cm", "Classeur A4", "Trousse", "Agenda de l'année",
             "Calendrier des Postes", "Enveloppes (x50)", "Ramette papier A4", "Cartes postales de l'Auxois (x5)",
             "Bloc-notes", "Ardoise", "Compas", "Colle en bâton", "Ciseaux enfant", "Papier cadeau"),
      unit="la pièce", price=(90, 2490)),
)

TOYS = (
    P("Puzzle {} {}", ("paysage de Bourgogne", "animaux de la ferme", "carte de France", "château fort"),
      (("500 pièces", 1.0), ("1000 pièces", 1.4)), unit="la boîte", price=(1290, 1590)),
    P("{}", ("Jeu de l'oie", "Petits chevaux", "Jeu d'échecs en bois", "Jeu de dames", "Jeu de tarot",
             "Jeu de 54 cartes", "Mikado", "Dominos", "Jeu de quilles en bois", "Toupie en bois",
             "Bilboquet", "Corde à sauter", "Cerf-volant", "Ballon de football", "Kit de perles",
             "Pâte à modeler (x8)", "Tracteur à pédales", "Voiture en bois", "Train en bois",
             "Ferme et ses animaux", "Poupée de chiffon", "Dînette en bois", "Xylophone",
             "Jeu de construction (100 pièces)", "Tricycle"), unit="la pièce", price=(390, 12900)),
    P("Peluche {} {}", ("ours", "lapin", "vache charolaise", "mouton", "renard", "cheval"),
      (("petite", 1.0), ("grande", 1.9)), unit="la pièce", price=(1290, 1690)),
    P("Figurine {}", ("tracteur", "vache", "cochon", "chevalier", "dragon", "pompier"),
      unit="la pièce", price=(390, 990)),
)

SPORT = (
    P("Canne à pêche {} {}", ("au coup", "lancer", "carpe", "truite"), (("2,70 m", 1.0), ("3,60 m", 1.4)),
      unit="la pièce", price=(2990, 4990)),
    P("{}", ("Moulinet", "Fil nylon 100 m", "Hameçons (x20)", "Plombs assortis", "Flotteurs (x5)",
             "Leurre cuiller", "Leurre souple (x5)", "Épuisette", "Bourriche", "Asticots (boîte)",
             "Gilet de chasse fluo", "Casquette orange", "Cartouches calibre 12 (x25)",
             "Couteau pliant", "Jumelles 8x42", "Gourde 1 l", "Lampe frontale", "Sac à dos 30 l",
             "Bâtons de marche (la paire)", "Chaussettes de randonnée"), unit="la pièce",
      price=(250, 12900)),
    P("Carte de pêche {}", ("journalière", "hebdomadaire", "annuelle"), unit="", price=(1200, 9800),
      stock="made_to_order"),
)

CLOTHES = (
    P("{} {}, taille {}", ("Pull en laine", "Pull col V", "Gilet en laine", "Chemise à carreaux",
                          "Chemise en lin", "Jean brut", "Pantalon chino", "Veste en velours",
                          "Parka", "Polaire", "T-shirt en coton bio", "Sweat à capuche",
                          "Robe en lin", "Jupe plissée"), COLOURS, CLOTH_SIZES,
      unit="la pièce", price=(1990, 12900)),
    P("{} {}", ("Écharpe en laine", "Bonnet", "Gants en laine", "Chaussettes (x3)", "Casquette",
                "Béret", "Tablier de cuisine", "Veste de travail"), COLOURS, unit="la pièce",
      price=(990, 4900)),
)

SHOES = (
    P("{} {} {}", ("Chaussures de randonnée", "Baskets", "Mocassins", "Derbies", "Bottines",
                   "Sandales", "Chaussons", "Bottes en caoutchouc", "Sabots", "Chaussures de sécurité"),
      ("homme", "femme", "enfant"), ("marron", "marine", "anthracite", "kaki"), unit="la paire",
      price=(2990, 15900)),
    P("{}", ("Cirage incolore", "Lacets (la paire)", "Semelles en laine", "Embauchoirs en cèdre",
             "Imperméabilisant 200 ml", "Chausse-pied"), unit="la pièce", price=(290, 2490)),
)

LEATHER_GOODS = (
    P("{} en cuir {}", ("Ceinture", "Portefeuille", "Porte-monnaie", "Porte-cartes", "Sac à main",
                        "Sacoche", "Cartable", "Porte-clés", "Bracelet", "Étui à lunettes",
                        "Sac de voyage", "Trousse"), LEATHER, unit="la pièce", price=(1490, 22900)),
    P("Ceinture en cuir {} {} cm", LEATHER, ("90", "100", "110", "120"), unit="la pièce",
      price=(3900, 5900)),
)

WOODWORK = (
    P("{} en {}", ("Planche à découper", "Plateau de service", "Bol tourné", "Saladier tourné",
                   "Cuillère", "Spatule", "Dessous-de-plat", "Boîte à bijoux", "Porte-couteaux",
                   "Nichoir", "Tabouret", "Jouet à tirer", "Cadre photo", "Pilulier"),
      WOODS, unit="la pièce", price=(990, 14900), description="Tourné ou façonné à la main dans notre atelier."),
    P("{} en chêne massif (sur mesure)", ("Table basse", "Table de ferme", "Banc", "Étagère",
                                          "Bibliothèque", "Buffet"), unit="la pièce",
      price=(39000, 249000), stock="made_to_order", description="Délai de fabrication : six à dix semaines."),
)

POTTERY = (
    P("{} en grès {}", ("Bol", "Tasse", "Mug", "Assiette plate", "Assiette creuse", "Vase",
                        "Pichet", "Saladier", "Plat à four", "Beurrier", "Théière", "Saucière",
                        "Coupelle", "Photophore"), GLAZES, unit="la pièce", price=(1400, 8900),
      description="Tourné à la main, émail sans plomb, passe au lave-vaisselle."),
    P("Service {} ({} pièces)", ("à café", "à thé", "de table"), ("6", "12"), unit="le service",
      price=(8900, 29000), stock="made_to_order"),
    P("Stage de tournage {}", ("d'une demi-journée", "d'une journée", "de deux jours"), unit="la place",
      price=(5500, 22000), category="services", stock="made_to_order"),
)

PHARMACY = (
    P("{}", ("Crème hydratante visage 50 ml", "Crème mains 75 ml", "Baume à lèvres",
             "Lait corps 400 ml", "Gel douche 500 ml", "Shampoing doux 250 ml", "Déodorant",
             "Eau micellaire 400 ml", "Dentifrice", "Brosse à dents souple", "Fil dentaire",
             "Pansements (x20)", "Compresses stériles", "Thermomètre", "Gel hydroalcoolique",
             "Spray anti-moustiques", "Baume du tigre", "Pastilles pour la gorge", "Sérum physiologique (x30)",
             "Couches bébé (x30)", "Liniment oléo-calcaire 500 ml", "Lait infantile 2e âge 800 g"),
      unit="la pièce", price=(190, 3290)),
    P("Crème solaire SPF {} {}", ("30", "50", "50+"), (("50 ml", 1.0), ("200 ml", 2.3)), unit="la pièce",
      price=(990, 1390)),
    P("Huile essentielle de {} 10 ml", ("lavande vraie", "eucalyptus", "tea tree", "menthe poivrée",
                                        "ravintsara", "citron", "gaulthérie"), unit="le flacon",
      price=(490, 1190)),
    P("Tisane {} (x20)", ("camomille", "tilleul", "verveine", "thym", "digestion", "sommeil"),
      unit="la boîte", price=(350, 690)),
)

HAIRDRESSER = (
    P("{}", ("Coupe femme, shampoing, brushing", "Coupe homme", "Coupe enfant", "Couleur",
             "Mèches", "Permanente", "Barbe", "Chignon de mariage", "Soin du visage", "Manucure",
             "Épilation jambes", "Maquillage"), unit="la prestation", price=(1200, 9500),
      category="coiffure-esthetique", stock="made_to_order", description="Sur rendez-vous."),
    P("{} {}", ("Shampoing", "Après-shampoing", "Masque capillaire", "Huile sèche", "Laque"),
      ("cheveux secs", "cheveux colorés", "cheveux normaux", "cheveux bouclés"), unit="la pièce",
      price=(990, 2490)),
    P("Carte cadeau {}", (("25 €", 1.0), ("50 €", 2.0), ("100 €", 4.0)), unit="", price=(2500, 2500),
      stock="made_to_order"),
)

CATERER = (
    P("{} (la part)", ("Bœuf bourguignon", "Coq au vin", "Œufs en meurette", "Jambon persillé",
                       "Poulet à la crème et aux morilles", "Pavé de sandre au beurre blanc",
                       "Gratin dauphinois", "Lasagnes maison", "Hachis parmentier", "Blanquette de veau",
                       "Tarte aux poireaux", "Salade de lentilles", "Poire belle-hélène", "Crème brûlée au cassis"),
      unit="la part", price=(450, 1690), stock="made_to_order"),
    P("Plateau repas {}", ("du terroir", "végétarien", "du pêcheur"), unit="la pièce", price=(1490, 2190),
      stock="made_to_order"),
    P("Menu de fête {} personnes", (("4", 1.0), ("6", 1.5), ("10", 2.4)), unit="le menu",
      price=(9900, 12900), category="produits-festifs", stock="made_to_order",
      description="Entrée, plat, dessert ; à commander trois jours avant."),
)

REPAIR = (
    P("{}", ("Révision complète de vélo", "Réglage des freins", "Réglage du dérailleur",
             "Changement de chambre à air", "Remplacement de chaîne", "Dévoilage de roue",
             "Affûtage de lame de tondeuse", "Affûtage de chaîne de tronçonneuse",
             "Réparation d'écran de téléphone", "Diagnostic électroménager", "Remplacement de pile de montre",
             "Reproduction de clé"), unit="la prestation", price=(500, 8900), stock="made_to_order"),
    P("{} {}", ("Chambre à air vélo", "Pneu vélo"), ("26 pouces", "28 pouces", "700 x 32"), unit="la pièce",
      price=(690, 3490), category="sport"),
    P("{}", ("Plaquettes de frein vélo", "Chaîne de vélo 9 vitesses", "Chaîne de vélo 11 vitesses"),
      unit="la pièce", price=(990, 3490), category="sport"),
)

APPLIANCES = (
    P("{}", ("Lave-linge 8 kg", "Sèche-linge 8 kg", "Lave-vaisselle 13 couverts", "Réfrigérateur combiné",
             "Congélateur coffre 200 l", "Four encastrable", "Plaque à induction", "Hotte aspirante",
             "Micro-ondes", "Aspirateur traîneau", "Aspirateur balai", "Bouilloire", "Cafetière filtre",
             "Grille-pain", "Robot pâtissier", "Mixeur plongeant", "Fer à repasser", "Radiateur d'appoint",
             "Ventilateur", "Poste de radio"), unit="la pièce", price=(1990, 89900)),
    P("Livraison et installation {}", ("gros électroménager", "petit électroménager"), unit="",
      price=(2900, 4900), category="services", stock="made_to_order"),
)

FARM_SHOP = (
    P("{}", ("Fromage de chèvre frais", "Crottin de chèvre affiné", "Tomme de vache fermière",
             "Fromage blanc fermier 500 g", "Faisselle", "Yaourts fermiers (x4)", "Lait cru 1 l",
             "Beurre fermier 250 g", "Crème crue 25 cl", "Œufs de poules élevées en plein air (x12)"),
      unit="la pièce", price=(150, 1290), category="fromagerie"),
    P("Colis de {} {}", ("bœuf charolais", "veau", "porc fermier", "agneau"), (("5 kg", 1.0), ("10 kg", 1.9)),
      unit="le colis", price=(7900, 9900), category="boucherie-charcuterie", stock="made_to_order",
      description="Découpé et mis sous vide ; à retirer à la ferme le vendredi."),
    P("{} de la ferme", ("Terrine", "Rillettes", "Saucisson sec", "Pâté de campagne"), unit="la pièce",
      price=(490, 1290), category="boucherie-charcuterie"),
    P("Miel {} {}", ("de fleurs", "d'acacia", "de châtaignier", "de sarrasin"), (("250 g", 1.0), ("500 g", 1.8)),
      unit="le pot", price=(550, 690), category="epicerie"),
    P("Confiture {} 370 g", FRUITS_CONFITURE[:8], unit="le pot", price=(450, 550), category="epicerie"),
)

NOTES = {
    "bakery": ("Fabriqué chaque matin dans notre fournil.", "Farine de meule de l'Auxois.",
               "À réserver la veille pour être sûr d'en avoir."),
    "butcher": ("Viande de la région, découpée à la demande.", "Fait maison dans notre laboratoire.",
                "Prix indicatif, pesée au retrait."),
    "cheese": ("Affiné dans notre cave.", "Au lait cru, de petits producteurs.", "Coupé à la demande."),
    "grocery": ("Produit sélectionné par notre épicerie.", "Producteur de Bourgogne.", "Idéal pour le placard."),
    "produce": ("Cueilli chez des maraîchers de l'Auxois.", "Selon arrivage.", "Agriculture raisonnée."),
    "wine": ("Sélectionné par notre caviste.", "Servir entre 14 et 16 °C.", "Domaine familial."),
    "festive": ("Fait maison.", "Idéal à offrir.", "Emballage cadeau sur demande."),
    "fuel": ("Au comptoir de la station.", "Disponible à la boutique.",),
    "hardware": ("Vendu au détail au comptoir.", "Conseils de pose en magasin.", "Qualité professionnelle."),
    "farm_parts": ("Compatible avec la plupart des marques.", "Pièce adaptable, qualité d'origine.",
                   "Commande possible sous 48 h si non disponible."),
    "flowers": ("Composé par nos fleuristes.", "Livraison possible dans le canton.", "Produit de saison."),
    "culture": ("Disponible en boutique.", "Commande possible sous 3 jours.",),
    "fashion": ("Fabrication française.", "Matières naturelles.", "Retouches offertes."),
    "craft": ("Pièce unique faite main.", "Fabriqué dans notre atelier.", "Chaque pièce est légèrement différente."),
    "health": ("Conseil personnalisé en pharmacie.", "Produit de parapharmacie."),
    "services": ("Sur rendez-vous.", "Devis gratuit.",),
    "farm": ("Produit à la ferme.", "Retrait à la ferme ou au marché du samedi.", "Élevé à l'herbe."),
}

SHOP_TYPES = {
    t.key: t
    for t in (
        ShopType("boulangerie", "boulangerie-patisserie",
                 ("Boulangerie {nom}", "Boulangerie-Pâtisserie {nom}", "Au Fournil {de_commune}",
                  "La Mie {de_commune}", "Aux Délices {de_commune}"),
                 ("Pains au levain, viennoiseries pur beurre et pâtisseries maison.",
                  "Boulangerie artisanale : farines locales, cuisson au feu de bois le week-end.",
                  "Votre boulangerie de quartier depuis trois générations."),
                 BAKERY, NOTES["bakery"], "bakery", 50),
        ShopType("boucherie", "boucherie-charcuterie",
                 ("Boucherie {nom}", "Boucherie-Charcuterie {nom}", "Boucherie du Marché {de_commune}",
                  "La Charolaise {de_commune}"),
                 ("Viande charolaise de l'Auxois, charcuterie et plats cuisinés maison.",
                  "Boucher-charcutier-traiteur : jambon persillé et pâté en croûte maison."),
                 BUTCHER, NOTES["butcher"], "food", 70),
        ShopType("fromagerie", "fromagerie",
                 ("Fromagerie {de_commune}", "La Cave à Fromages {de_commune}", "Crèmerie {nom}", "Fromagerie {nom}"),
                 ("Fromages affinés dans notre cave : Époisses, Soumaintrain, comtés de 12 à 36 mois.",
                  "Crèmerie-fromagerie, produits laitiers de fermes du coin."),
                 CHEESE, NOTES["cheese"], "food", 50),
        ShopType("epicerie", "epicerie",
                 ("Épicerie {nom}", "Proxi {commune}", "Épicerie fine {de_commune}", "Le Panier {de_commune}",
                  "Vival {commune}"),
                 ("Épicerie de proximité : produits du quotidien et spécialités bourguignonnes.",
                  "Épicerie, dépôt de pain et produits locaux, ouverte le dimanche matin."),
                 GROCERY, NOTES["grocery"], "grocery", 160),
        ShopType("primeur", "fruits-legumes",
                 ("Primeur {nom}", "Au Jardin {de_commune}", "Fruits et Légumes {nom}"),
                 ("Fruits et légumes de saison, en direct des maraîchers de l'Auxois.",),
                 PRODUCE, NOTES["produce"], "food", 70),
        ShopType("cave", "vins-boissons",
                 ("Cave {de_commune}", "Le Cellier {nom}", "Cave {nom}", "Les Vins {de_commune}"),
                 ("Caviste : vins de Bourgogne, crémants, bières artisanales et spiritueux.",
                  "Sélection de domaines familiaux de la Côte et des Hautes-Côtes."),
                 WINES, NOTES["wine"], "retail", 100),
        ShopType("chocolatier", "produits-festifs",
                 ("Chocolaterie {nom}", "Les Gourmandises {de_commune}", "Maison {nom}, chocolatier"),
                 ("Chocolats, confiseries et produits de fête faits maison.",),
                 CHOCOLATIER, NOTES["festive"], "food", 55),
        ShopType("station", "carburant",
                 ("Garage {nom}", "Station du Relais {de_commune}", "Station-service {de_commune}", "Garage du Centre {de_commune}"),
                 ("Station-service et garage : carburants, gaz, entretien et lavage.",
                  "Carburants, fioul livré à domicile, accessoires auto."),
                 FUEL, NOTES["fuel"], "fuel", 28),
        ShopType("quincaillerie", "quincaillerie",
                 ("Quincaillerie {de_commune}", "Quincaillerie {nom}", "Comptoir {nom}"),
                 ("Visserie au détail, outillage, quincaillerie de bâtiment et articles de ménage.",
                  "Quincaillerie à l'ancienne : on y trouve tout, même à l'unité."),
                 HARDWARE, NOTES["hardware"], "hardware", 230),
        ShopType("bricolage", "bricolage",
                 ("Bricolage {de_commune}", "Matériaux {nom}", "Bricomarché {commune}"),
                 ("Matériaux, outillage, peinture et conseils pour vos travaux.",),
                 DIY, NOTES["hardware"], "hardware", 110),
        ShopType("machinisme", "pieces-agricoles",
                 ("Ets {nom} Machinisme agricole", "Agri-Service {de_commune}", "Motoculture {nom}"),
                 ("Pièces détachées agricoles, motoculture et réparation de matériel.",
                  "Concessionnaire agricole : pièces adaptables en stock, atelier de réparation."),
                 FARM_PARTS, NOTES["farm_parts"], "farm", 210),
        ShopType("fleuriste", "jardinerie-fleurs",
                 ("Fleurs {prenom}", "L'Atelier Floral {de_commune}", "Au Jardin Fleuri {de_commune}", "Jardinerie {de_commune}"),
                 ("Fleuriste : bouquets, plantes et compositions pour toutes les occasions.",),
                 FLOWERS, NOTES["flowers"], "retail", 70),
        ShopType("presse", "librairie-papeterie",
                 ("Maison de la Presse {de_commune}", "Librairie {de_commune}", "Librairie-Papeterie {nom}"),
                 ("Librairie, papeterie, cartes de randonnée et livres de la région.",),
                 BOOKS, NOTES["culture"], "retail", 70),
        ShopType("jouets", "jeux-jouets",
                 ("Le Coffre à Jouets {de_commune}", "Jeux et Jouets {de_commune}", "La Ribambelle {de_commune}"),
                 ("Jouets en bois, jeux de société et peluches.",),
                 TOYS, NOTES["culture"], "retail", 45),
        ShopType("sport", "sport",
                 ("Pêche et Chasse {de_commune}", "Sports {nom}"),
                 ("Articles de pêche, chasse et randonnée ; cartes de pêche.",),
                 SPORT, NOTES["culture"], "retail", 30),
        ShopType("vetements", "vetements",
                 ("Boutique {prenom}", "Mode {de_commune}", "Au Bon Drap {de_commune}", "Vêtements {nom}"),
                 ("Prêt-à-porter homme et femme, laine et lin, fabrication française.",),
                 CLOTHES, NOTES["fashion"], "retail", 110),
        ShopType("chaussures", "chaussures",
                 ("Chaussures {nom}", "Le Pas {de_commune}"),
                 ("Chaussures de ville, de randonnée et de travail pour toute la famille.",),
                 SHOES, NOTES["fashion"], "retail", 60),
        ShopType("maroquinerie", "maroquinerie",
                 ("Maroquinerie {nom}", "Le Comptoir du Cuir {de_commune}"),
                 ("Sacs, ceintures et petite maroquinerie en cuir.",),
                 LEATHER_GOODS, NOTES["fashion"], "retail", 40),
        ShopType("pharmacie", "pharmacie-parapharmacie",
                 ("Pharmacie {nom}", "Pharmacie du Centre {de_commune}", "Pharmacie {de_commune}"),
                 ("Parapharmacie, hygiène et bien-être ; conseils de votre pharmacien.",),
                 PHARMACY, NOTES["health"], "pharmacy", 40),
        ShopType("coiffure", "coiffure-esthetique",
                 ("Salon {prenom}", "L'Atelier Coiffure {de_commune}", "Institut de beauté {de_commune}"),
                 ("Coiffure mixte et soins esthétiques, sur rendez-vous.",),
                 HAIRDRESSER, NOTES["services"], "retail", 25),
        ShopType("traiteur", "restauration",
                 ("Traiteur {nom}", "Les Saveurs {de_commune}"),
                 ("Plats cuisinés bourguignons à emporter, buffets et menus de fête.",),
                 CATERER, NOTES["services"], "food", 25),
        ShopType("reparation", "reparation",
                 ("Cycles {nom}", "Répar'Tout {de_commune}"),
                 ("Réparation de vélos, petits moteurs et électroménager.",),
                 REPAIR, NOTES["services"], "retail", 20),
        ShopType("electromenager", "electromenager",
                 ("Électroménager {nom}", "Expert {commune}"),
                 ("Électroménager, livraison, installation et service après-vente.",),
                 APPLIANCES, NOTES["services"], "retail", 25),
        ShopType("ferme", "fromagerie",
                 ("Ferme {de_commune}", "GAEC {nom}", "La Ferme {de_commune}", "Ferme {nom}"),
                 ("Vente directe à la ferme : fromages, viande et produits de la ferme.",
                  "Élevage et fromagerie fermière ; commandez, retirez à la ferme."),
                 FARM_SHOP, NOTES["farm"], "farm", 25),
        ShopType("menuisier", "menuiserie-bois",
                 ("Atelier {nom}, ébéniste", "Le Bois {de_commune}"),
                 ("Ébéniste et tourneur sur bois : objets et meubles en bois de nos forêts.",),
                 WOODWORK, NOTES["craft"], "workshop", 40),
        ShopType("potier", "poterie-ceramique",
                 ("Poterie {de_commune}", "Atelier de céramique {prenom} {nom}"),
                 ("Poterie en grès tournée à la main, émaux maison.",),
                 POTTERY, NOTES["craft"], "workshop", 45),
        ShopType("sellier", "cuir",
                 ("Sellerie {nom}", "L'Atelier du Cuir {de_commune}"),
                 ("Sellier-maroquinier : ceintures et sacs cousus main.",),
                 LEATHER_GOODS, NOTES["craft"], "workshop", 30),
    )
}

# The order in which a bourg gets its shops: its first shop is a bakery, the 25th a toy shop.
TOWN_SHOP_ORDER = (
    "boulangerie", "epicerie", "boucherie", "station", "presse", "quincaillerie", "pharmacie",
    "fleuriste", "boulangerie", "coiffure", "cave", "fromagerie", "vetements", "machinisme",
    "primeur", "chaussures", "chocolatier", "bricolage", "traiteur", "jouets", "boucherie",
    "sport", "maroquinerie", "electromenager", "reparation", "epicerie", "vetements", "menuisier",
    "fleuriste", "cave", "boulangerie", "quincaillerie", "potier", "fromagerie",
)
COUNTRY_SHOP_TYPES = ("ferme", "ferme", "ferme", "potier", "menuisier", "sellier", "machinisme")

EMPLOYERS = (
    # slug, name, INSEE of the commune, street, number of employees
    ("acieries-armancon", "Aciéries de l'Armançon", "21425", "zone industrielle des Granges", 280),
    ("laiterie-cooperative-auxois", "Laiterie coopérative de l'Auxois", "21663", "route de Dijon", 120),
    ("transports-bourgogne-morvan", "Transports Bourgogne-Morvan", "21501", "zone d'activités du Seuil", 65),
    ("residence-les-tilleuls", "Résidence Les Tilleuls (EHPAD)", "21023", "rue du Docteur Guyot", 34),
)

BANK_CODES = ("30004", "30003", "10278", "12506", "10807", "20041", "18025")

# --- businesses without a catalogue (issue 22): artisans, services, small industries --------------
# They sell no products online; residents find them by what they do. Fields: slug, name, INSEE of
# the commune, address, phone, category slug, description, services (one per line), keywords,
# radius served (km), communes served (INSEE), opening hours, takes the territorial card.
ARTISAN_HOURS = {d: [["08:00", "12:00"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
INDUSTRY_HOURS = {d: [["07:30", "12:00"], ["13:30", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
BUSINESSES = (
    ("plomberie-renaud-semur", "Plomberie Chauffage Renaud", "21603", "14 rue de la Liberté", "03 80 97 21 48",
     "services", "Plombier chauffagiste : dépannage, installation et entretien, chez les particuliers comme "
     "dans les fermes.",
     "Dépannage de fuites et débouchage de canalisations\nInstallation et remplacement de chauffe-eau\n"
     "Pose de salles de bains et de sanitaires\nEntretien de chaudières gaz et fioul\nPompes à chaleur",
     "plombier, plomberie, chauffagiste, chauffage, chauffe-eau, fuite, débouchage, chaudière",
     25, (), ARTISAN_HOURS, True),
    ("plomberie-du-morvan-saulieu", "Plomberie du Morvan", "21584", "3 rue Courtépée", "03 80 64 18 02",
     "services", "Plombier-zingueur installé à Saulieu : dépannage rapide et petits travaux.",
     "Dépannage plomberie sous 24 h\nRecherche de fuite\nZinguerie et gouttières\nRaccordement au tout-à-l'égout",
     "plombier, plomberie, zingueur, gouttière, fuite, dépannage",
     None, ("21584", "21525", "21349", "21568"), ARTISAN_HOURS, True),
    ("electricite-fournier-montbard", "Électricité Générale Fournier", "21425", "27 avenue Maréchal Foch",
     "03 80 92 35 61", "services", "Électricien : installation, mise aux normes et dépannage, neuf et rénovation.",
     "Mise aux normes électriques\nDépannage électrique\nInstallation de bornes de recharge\n"
     "Alarmes et domotique\nÉclairage extérieur",
     "électricien, électricité, tableau électrique, borne de recharge, domotique, dépannage",
     30, (), ARTISAN_HOURS, True),
    ("electricite-bourgeois-pouilly", "Bourgeois Électricité", "21501", "8 route de Créancey", "03 80 90 71 23",
     "services", "Électricien et antenniste : installations électriques, antennes et paraboles.",
     "Installation électrique neuve\nRénovation électrique\nAntennes et paraboles",
     "électricien, électricité, antenne, parabole", 20, (), ARTISAN_HOURS, True),
    ("maconnerie-lambert-vitteaux", "Maçonnerie Lambert et Fils", "21710", "5 rue Hubert Languet",
     "03 80 33 84 19", "services", "Maçons de père en fils : pierre de Bourgogne, rénovation et gros œuvre.",
     "Murs en pierre sèche\nRénovation de façades et enduits à la chaux\nDalles, terrasses et murets\n"
     "Ouvertures dans les murs porteurs",
     "maçon, maçonnerie, pierre, façade, enduit, chaux, terrasse", 25, (), ARTISAN_HOURS, True),
    ("motoculture-service-venarey", "Motoculture Service Auxois", "21663", "12 rue Jean Jaurès",
     "03 80 96 42 70", "reparation", "Atelier de réparation de matériel de jardin et de motoculture, toutes "
     "marques.",
     "Réparation et entretien de tondeuses, autoportées et tronçonneuses\nAffûtage de lames et de chaînes\n"
     "Révision avant saison et hivernage\nEnlèvement et retour à domicile",
     "réparation tondeuse, tondeuse, motoculture, tronçonneuse, débroussailleuse, affûtage, autoportée",
     30, (), {"mon": [["14:00", "18:30"]]} | {d: [["08:30", "12:00"], ["14:00", "18:30"]]
                                              for d in ("tue", "wed", "thu", "fri")} | {"sat": [["08:30", "12:00"]]},
     True),
    ("depannage-informatique-semur", "Auxois Informatique", "21603", "2 place Gaveau", "03 80 97 05 33",
     "services", "Dépannage informatique à domicile et en boutique, pour les particuliers et les petites "
     "entreprises.",
     "Réparation d'ordinateurs et de téléphones\nRécupération de données\nInstallation de box et de réseaux\n"
     "Cours d'informatique à domicile",
     "informatique, ordinateur, réparation ordinateur, dépannage, téléphone, données", 20, (),
     {d: [["09:30", "12:00"], ["14:00", "18:30"]] for d in ("tue", "wed", "thu", "fri", "sat")}, True),
    ("usinage-precision-auxois", "Usinage Précision de l'Auxois", "21425", "zone industrielle des Granges, rue "
     "Pierre Curie", "03 80 92 60 14", "services",
     "PME de mécanique de précision : usinage à l'unité ou en série, pièces de rechange industrielles et "
     "agricoles sur plan ou d'après modèle.",
     "Usinage sur commande numérique : tournage et fraisage\nPièces de rechange sur plan ou d'après modèle usé\n"
     "Petites et moyennes séries\nSoudure et chaudronnerie légère\nRectification et traitement de surface",
     "usinage, tournage, fraisage, mécanique de précision, pièce de rechange, pièce sur mesure, soudure, "
     "commande numérique", 60, (), INDUSTRY_HOURS, False),
    ("chaudronnerie-laumes", "Chaudronnerie des Laumes", "21663", "zone artisanale de la Gare", "03 80 96 17 85",
     "services", "Chaudronnerie et tôlerie : inox et acier pour l'agriculture, l'agroalimentaire et le bâtiment.",
     "Cuves et trémies en inox\nTôlerie et pliage\nDécoupe laser\nRéparation de bennes et de matériel agricole",
     "chaudronnerie, chaudronnier, tôlerie, inox, soudure, découpe laser, benne", 80, (), INDUSTRY_HOURS, False),
    ("ramonage-perrot-arnay", "Ramonage Perrot", "21023", "9 rue Saint-Honoré", "03 80 90 12 66", "services",
     "Ramoneur : cheminées, poêles et chaudières, certificat de ramonage remis à chaque passage.",
     "Ramonage de cheminées et de poêles à bois ou à granulés\nDébistrage\nInspection caméra des conduits",
     "ramonage, ramoneur, cheminée, poêle, conduit", 35, (), ARTISAN_HOURS, True),
)
BUSINESS_OWNER = ("atelier", "Marc", "Lambert", "gérant d'Usinage Précision de l'Auxois (Montbard)",
                  "usinage-precision-auxois")
