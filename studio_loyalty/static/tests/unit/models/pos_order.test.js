import { describe, expect, test } from "@odoo/hoot";
import { setupPosEnv } from "@point_of_sale/../tests/unit/utils";
import { definePosModels } from "@point_of_sale/../tests/unit/data/generate_model_definitions";
import { studioSpendingOrder } from "@studio_loyalty/app/models/pos_order";

definePosModels();

const { DateTime } = luxon;

// "Administrator" (3) holds LR/0001 (25.00, 30 days), LR/0002 (50.00, no
// expiry) and LR/0003 (10.00, 5 days): see ../data/studio_loyalty_reward.data.js.

/** An order of ``total`` (one untaxed line) for the client, and their rewards as the till fetches them. */
async function orderOf(total, { store = null, partnerId = 3 } = {}) {
    store = store || (await setupPosEnv());
    const order = store.addNewOrder();
    await store.addLineToOrder(
        {
            product_tmpl_id: store.models["product.template"].get(1),
            product_id: store.models["product.product"].get(1),
            qty: 1,
            price_unit: total,
        },
        order
    );
    order.setPartner(store.models["res.partner"].get(partnerId));
    const { rewards } = await store.studioFetchRewards(order);
    const byName = Object.fromEntries(rewards.map((reward) => [reward.name, reward]));
    return { store, order, rewards, byName };
}

const uses = (plan) => plan.uses.map((use) => [use.reward.name, use.amount]);

describe("pos.order - studio rewards", () => {
    test("rewards are spent in the server's order", async () => {
        const { order, rewards } = await orderOf(20.6);
        expect(order.totalDue).toBe(20.6);
        expect(studioSpendingOrder(rewards).map((reward) => reward.name)).toEqual([
            "LR/0003",
            "LR/0001",
            "LR/0002",
        ]);
        // Made from points first, whatever their date; then the oldest among equals.
        const soon = DateTime.now().plus({ days: 1 });
        const points = { id: 9, origin: "points", expiration_date: false };
        const a = { id: 7, origin: "manual", expiration_date: soon };
        const b = { id: 8, origin: "manual", expiration_date: soon };
        expect(studioSpendingOrder([b, a, points])).toEqual([points, a, b]);
    });

    test("a reward larger than the amount due pays part of it; the rest stays", async () => {
        const { order, byName } = await orderOf(20.6);
        const plan = order.studioRedemptionPlan([byName["LR/0001"]]);
        expect(plan.error).toBe("");
        expect(plan.amount).toBe(20.6);
        expect(plan.total).toBe(25);
        expect(uses(plan)).toEqual([["LR/0001", 20.6]]);
        expect(plan.rest.reward.name).toBe("LR/0001");
        expect(plan.rest.amount).toBe(4.4);
    });

    test("soonest expiry is spent whole, the later one pays the rest", async () => {
        const { order, byName } = await orderOf(41.2);
        const plan = order.studioRedemptionPlan([byName["LR/0002"], byName["LR/0001"]]);
        expect(uses(plan)).toEqual([
            ["LR/0001", 25],
            ["LR/0002", 16.2],
        ]);
        expect(plan.rest.reward.name).toBe("LR/0002");
        expect(plan.rest.amount).toBe(33.8);
        // Exactly the due: nothing stays.
        const exact = order.studioRedemptionPlan([byName["LR/0003"], byName["LR/0001"]], 0, 35);
        expect([exact.amount, exact.rest, exact.error]).toEqual([35, null, ""]);
    });

    test("a reward that would pay nothing is refused, as the server refuses it", async () => {
        const { order, rewards, byName } = await orderOf(20.6);
        const plan = order.studioRedemptionPlan(rewards);
        expect(plan.error).toInclude("Reward LR/0002 is not needed");
        expect(plan.uses).toEqual([]);
        // Points are spent first: with 20.60 of points, any reward is one too many.
        const withPoints = order.studioRedemptionPlan([byName["LR/0003"]], 20.6);
        expect(withPoints.error).toInclude("Reward LR/0003 is not needed");
    });

    test("use up to the amount due: soonest expiring first, points for what rewards leave", async () => {
        const { order, rewards } = await orderOf(20.6);
        const upTo = (...args) => {
            const { rewards: picked, pointsAmount } = order.studioUseUpTo(...args);
            return [picked.map((reward) => reward.name), pointsAmount];
        };
        expect(upTo(rewards)).toEqual([["LR/0003", "LR/0001"], 0]);
        const { rewards: picked } = order.studioUseUpTo(rewards);
        expect(order.studioRedemptionPlan(picked).error).toBe("");
        expect(upTo(rewards, false, 10)).toEqual([["LR/0003"], 0]);
        // More due than the rewards: all of them, and the points pay the rest in whole points.
        const points = { value: 30, point_value: 0.01, min_redemption: 5, reason: "" };
        expect(upTo(rewards, false, 100)).toEqual([["LR/0003", "LR/0001", "LR/0002"], 0]);
        expect(upTo(rewards.slice(0, 1), points, 20.6)).toEqual([["LR/0001"], 0]);
        expect(upTo([], points, 20.6)).toEqual([[], 20.59]);
        const { rewards: ten } = order.studioUseUpTo(rewards, false, 10);
        const { pointsAmount } = order.studioUseUpTo(ten, points, 20.6);
        expect(pointsAmount).toBe(10.6);
        expect(order.studioRedemptionPlan(ten, pointsAmount).amount).toBe(20.6);
        // What is left under the points minimum stays for cash.
        expect(order.studioUseUpTo(ten, points, 14).pointsAmount).toBe(0);
        // Points that cannot be used now are left alone.
        expect(order.studioUseUpTo([], { ...points, reason: "paused" }).pointsAmount).toBe(0);
    });

    test("one Loyalty Rewards line of what the rewards pay, replaced when chosen again", async () => {
        const { order, rewards, byName } = await orderOf(20.6);
        const result = order.studioRedeem([byName["LR/0001"]], 0, rewards);
        expect(result.status).toBe(true);
        const line = order.studioRedemptionLine;
        expect(line.payment_method_id.is_studio_loyalty).toBe(true);
        expect(line.amount).toBe(20.6);
        expect(line.studio_reward_ids.map((reward) => reward.name)).toEqual(["LR/0001"]);
        expect(order.getSelectedPaymentline()).toBe(undefined);
        expect(order.remainingDue).toBe(0);
        expect(order.studioRewardsDue).toBe(20.6);
        // LR/0003, LR/0002 and the 4.40 left of LR/0001.
        expect(order.uiState.studioRemainingRewards).toEqual({ count: 3, amount: 64.4 });
        expect(order.studioRewardsPaid.map((use) => use.amount)).toEqual([20.6]);

        expect(order.studioRedeem([byName["LR/0003"]], 0, rewards).status).toBe(true);
        expect(order.payment_ids.length).toBe(1);
        expect(order.studioRedeemedAmount).toBe(10);
        expect(order.remainingDue).toBe(10.6);

        const refused = order.studioRedeem(rewards, 0, rewards);
        expect(refused.status).toBe(false);
        expect(refused.data).toInclude("is not needed");
        expect(order.studioRedeemedAmount).toBe(10);
    });

    test("the button is offered while something is due for a client, an exchange too", async () => {
        const { store, order } = await orderOf(20.6);
        expect(order.studioCanRedeem).toBe(true);
        const cash = store.models["pos.payment.method"].get(1);
        order.addPaymentline(cash);
        expect(order.studioCanRedeem).toBe(false);

        const { order: exchange } = await orderOf(20.6, { store });
        exchange.is_refund = true;
        expect(exchange.studioCanRedeem).toBe(true);

        const { order: refund } = await orderOf(-20.6, { store });
        refund.is_refund = true;
        expect(refund.studioCanRedeem).toBe(false);

        const { order: anonymous } = await orderOf(20.6, { store });
        anonymous.partner_id = false;
        expect(anonymous.studioCanRedeem).toBe(false);
    });

    test("points: the most allowed and why an amount is refused", async () => {
        const { order } = await orderOf(20.6);
        const points = { value: 30, point_value: 0.01, min_redemption: 5, reason: "" };
        expect(order.studioPointsMax(points)).toBe(20.59);
        expect(order.studioPointsMax({ ...points, reason: "Points redemptions are paused." })).toBe(
            0
        );
        expect(order.studioPointsError(points, 12.5)).toBe("");
        expect(order.studioPointsError(points, 4)).toInclude("At least");
        expect(order.studioPointsError(points, 20.6)).toInclude("The ticket total must be more");
        expect(order.studioPointsError(points, 12, 10)).toInclude("at most the amount due");
        expect(order.studioPointsError(points, -1)).toInclude("positive amount");
    });
});
