{
    "name": "Studio Loyalty",
    "version": "19.0.1.0.0",
    "category": "Sales/Loyalty",
    "summary": "Loyalty rewards, referral programs and reward redemption "
    "for photography studios, salons and spas",
    "author": "Studio Loyalty",
    "website": "https://example.com/studio_loyalty",
    "license": "LGPL-3",
    "application": True,
    "depends": ["account", "point_of_sale", "loyalty", "calendar", "mail"],
    "data": [
        "security/studio_loyalty_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "reports/studio_loyalty_reward_report.xml",
        "reports/studio_loyalty_reward_templates.xml",
        "wizards/studio_loyalty_redeem_views.xml",
        "views/studio_client_status_views.xml",
        "views/studio_loyalty_reward_views.xml",
        "views/studio_loyalty_run_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "views/studio_loyalty_menus.xml",
    ],
    "demo": [
        "demo/studio_loyalty_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "studio_loyalty/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "_post_init_hook",
}
