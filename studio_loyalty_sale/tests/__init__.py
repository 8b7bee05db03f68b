from . import test_referral_coupon
