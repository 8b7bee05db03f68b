import { describe, expect, test } from "@odoo/hoot";
import { onRpc, patchWithCleanup } from "@web/../tests/web_test_helpers";
import { setupPosEnv } from "@point_of_sale/../tests/unit/utils";
import { definePosModels } from "@point_of_sale/../tests/unit/data/generate_model_definitions";

definePosModels();

// "Administrator" (3) holds 85.00 of rewards: see ../data/studio_loyalty_reward.data.js.

describe("pos store - studio rewards", () => {
    test("picking a client reads that client's balance alone and tells it", async () => {
        onRpc("studio.loyalty.reward", "studio_pos_balance", ({ args }) => {
            expect.step(`balance of ${args[0]}`);
        });
        onRpc("studio.loyalty.reward", "studio_pos_redeemable", () => {
            expect.step("rewards read");
        });
        const store = await setupPosEnv();
        const order = store.addNewOrder();
        await store.addLineToOrder(
            {
                product_tmpl_id: store.models["product.template"].get(1),
                product_id: store.models["product.product"].get(1),
                qty: 1,
                price_unit: 20.6,
            },
            order
        );
        const client = store.models["res.partner"].get(3);
        patchWithCleanup(store.dialog, {
            add: (component, props) => {
                props.getPayload(client);
                return () => {};
            },
        });
        patchWithCleanup(store.notification, {
            add: (message) => expect.step(message.replace(/\s/g, " ")),
        });

        await store.selectPartner();

        expect(order.getPartner().id).toBe(3);
        expect.verifySteps(["balance of 3", "Administrator has $ 85.00 in studio rewards."]);
        // No reward was loaded: the till holds no client's rewards.
        expect(store.models["studio.loyalty.reward"].length).toBe(0);
        expect(store.studioAvailable(order)).toBe(85);

        // Picking the same client again reads nothing more.
        await store.selectPartner();
        expect.verifySteps([]);

        // What the order pays with rewards is no longer available to it.
        const { rewards } = await store.studioFetchRewards(order);
        expect.verifySteps(["rewards read"]);
        const [sooner] = rewards.filter((reward) => reward.name === "LR/0001");
        order.studioRedeem([sooner], 0, rewards);
        expect(store.studioAvailable(order)).toBe(64.4);
    });
});
