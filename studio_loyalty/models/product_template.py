from odoo import api, fields, models

from .product_category import POINTS_CLASSES


class ProductTemplate(models.Model):
    """Each product earns points by its class of sale: service, retail, or package / membership."""

    _inherit = "product.template"

    studio_points_class = fields.Selection(
        selection=POINTS_CLASSES,
        string="Points Class",
        compute="_compute_studio_points_class",
        store=True,
        readonly=False,
        help="Which earning rule a sale of this product follows. Defaults from the category, else from the type; "
        "packages and memberships are marked here or on their category. The services used from a package "
        "are sold at no charge and earn nothing.",
    )

    @api.depends("type", "categ_id", "categ_id.studio_points_class", "categ_id.parent_id.studio_points_class")
    def _compute_studio_points_class(self):
        for product in self:
            category = product.categ_id
            while category and not category.studio_points_class:
                category = category.parent_id
            if category:
                product.studio_points_class = category.studio_points_class
            else:
                product.studio_points_class = "service" if product.type == "service" else "retail"
