import { patch } from "@web/core/utils/patch";
import { PosPaymentMethod } from "@point_of_sale/../tests/unit/data/pos_payment_method.data";

patch(PosPaymentMethod.prototype, {
    _load_pos_data_fields() {
        return [...super._load_pos_data_fields(), "is_studio_loyalty"];
    },
});

PosPaymentMethod._records = [
    ...PosPaymentMethod._records,
    {
        id: 4,
        name: "Loyalty Rewards",
        is_cash_count: false,
        use_payment_terminal: false,
        split_transactions: false,
        type: "studio_loyalty",
        image: false,
        sequence: 3,
        payment_method_type: "none",
        default_qr: false,
        is_studio_loyalty: true,
    },
];
