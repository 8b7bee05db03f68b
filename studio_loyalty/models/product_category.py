from odoo import fields, models

POINTS_CLASSES = [
    ("service", "Service"),
    ("retail", "Retail"),
    ("package", "Package / Membership"),
]


class ProductCategory(models.Model):
    """A category may say what class of sale its products are for loyalty points."""

    _inherit = "product.category"

    studio_points_class = fields.Selection(
        selection=POINTS_CLASSES,
        string="Points Class",
        help="The class of sale of this category's products for loyalty points. Empty: from the parent "
        "category, else from the product type (services, or retail goods).",
    )
