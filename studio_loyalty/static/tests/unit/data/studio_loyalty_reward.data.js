import { patch } from "@web/core/utils/patch";
import { models } from "@web/../tests/web_test_helpers";
import { hootPosModels } from "@point_of_sale/../tests/unit/data/generate_model_definitions";

const { DateTime } = luxon;

const inDays = (days) => DateTime.now().plus({ days }).toISODate();

/**
 * The server's rewards, fetched on demand as studio_loyalty does: nothing
 * is loaded with the session. "Administrator" (3) holds 25.00 expiring in
 * 30 days, 50.00 without expiry and 10.00 expiring in 5 days (85.00);
 * "User1" (4) holds 500.00.
 */
export class StudioLoyaltyReward extends models.ServerModel {
    _name = "studio.loyalty.reward";

    _load_pos_data_fields() {
        return ["name", "amount", "expiration_date", "partner_id", "state", "origin"];
    }

    _load_pos_data_read() {
        return [];
    }

    _redeemable(partnerId) {
        return this.search_read(
            [
                ["partner_id", "=", partnerId],
                ["state", "=", "available"],
            ],
            this._load_pos_data_fields(),
            false,
            false,
            false,
            false
        );
    }

    studio_pos_redeemable(partnerId, configId) {
        return { "studio.loyalty.reward": this._redeemable(partnerId), points: false };
    }

    studio_pos_balance(partnerId, configId) {
        const rewards = this._redeemable(partnerId);
        const total = rewards.reduce((sum, reward) => sum + reward.amount, 0);
        return { total, rewards: total, count: rewards.length, points_value: 0, has_points: false };
    }

    _records = [
        {
            id: 1,
            name: "LR/0001",
            amount: 25,
            expiration_date: inDays(30),
            partner_id: 3,
            state: "available",
            origin: "manual",
        },
        {
            id: 2,
            name: "LR/0002",
            amount: 50,
            expiration_date: false,
            partner_id: 3,
            state: "available",
            origin: "manual",
        },
        {
            id: 3,
            name: "LR/0003",
            amount: 10,
            expiration_date: inDays(5),
            partner_id: 3,
            state: "available",
            origin: "manual",
        },
        {
            id: 4,
            name: "LR/0004",
            amount: 500,
            expiration_date: false,
            partner_id: 4,
            state: "available",
            origin: "manual",
        },
    ];
}

patch(hootPosModels, [...hootPosModels, StudioLoyaltyReward]);
