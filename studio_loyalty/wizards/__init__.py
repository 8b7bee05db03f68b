from . import studio_loyalty_redeem
