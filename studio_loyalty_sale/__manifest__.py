{
    "name": "Studio Loyalty: Sales",
    "version": "19.0.1.0.0",
    "category": "Sales/Loyalty",
    "summary": "A referral program's coupon applies to its holder's sales orders only",
    "author": "Studio Loyalty",
    "website": "https://example.com/studio_loyalty",
    "license": "LGPL-3",
    "depends": ["studio_loyalty", "sale_loyalty"],
    "auto_install": True,
}
