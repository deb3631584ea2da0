//! Income withdrawals as a behaviour (`[contracts.income_withdrawals]`, SPEC §3.4): each rule
//! withdraws when it says, never sooner than the contract's 28,800-block limit, and no
//! withdrawal is refused.

use std::collections::BTreeMap;

use scenarios::ColumnData;

const SCENARIO: &str = r#"
[run]
mode = "consensus"
horizon_days = 3
[consensus]
validators = 4
genesis_validators = 4
[outputs]
contracts = true
[contracts.income_withdrawals]
default = { rule = "every_blocks", blocks = 28800 }
validators = { "2" = { rule = "when_at_least", amount = "1 DCC" }, "4" = { rule = "never" } }
"#;

fn column<'a>(t: &'a scenarios::Table, name: &str) -> &'a ColumnData {
    &t.columns.iter().find(|c| c.name == name).unwrap().data
}

#[test]
fn validators_withdraw_by_their_rules_within_the_limit() {
    let doc =
        scenarios::parse_document(std::path::Path::new("income.toml"), SCENARIO.into()).unwrap();
    let out = scenarios::run(&doc.load().unwrap().spec).unwrap();
    let events = out.tables.iter().find(|t| t.name == "events").unwrap();
    let mut at: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for row in 0..events.rows() {
        if column(events, "kind").cell(row) == "IncomeWithdrawn" {
            let h = column(events, "height").cell(row).parse().unwrap();
            at.entry(column(events, "validator").cell(row))
                .or_default()
                .push(h);
        }
    }
    // Every 28,800 blocks: the first multiple of 28,800 with income (heights are 6 s apart
    // here: 3 days = 43,200 blocks).
    assert_eq!(at["1"], [28_800]);
    assert_eq!(at["3"], [28_800]);
    // When its income reaches 1 DCC, then again as soon as the contract allows.
    let v2 = &at["2"];
    assert_eq!(v2.len(), 2, "{v2:?}");
    assert_eq!(v2[1] - v2[0], 28_800);
    assert!(!at.contains_key("4"), "never");
    let refused = column(&out.summary, "txs_refused").cell(0);
    assert_eq!(refused, "0", "no withdrawal is sent before it is allowed");
}

#[test]
fn bad_rules_name_the_key() {
    for (rule, key) in [
        (
            "default = { rule = \"every_blocks\", blocks = 0 }",
            "contracts.income_withdrawals.default.blocks",
        ),
        (
            "validators = { \"9\" = { rule = \"never\" } }",
            "contracts.income_withdrawals.validators.9",
        ),
    ] {
        let text = SCENARIO.replace(
            "default = { rule = \"every_blocks\", blocks = 28800 }\nvalidators = { \"2\" = { rule = \"when_at_least\", amount = \"1 DCC\" }, \"4\" = { rule = \"never\" } }",
            rule,
        );
        let doc = scenarios::parse_document(std::path::Path::new("income.toml"), text).unwrap();
        let e = doc.load().unwrap_err();
        assert_eq!(e.key_path, key, "{e}");
        assert!(e.to_string().starts_with("income.toml:"), "{e}");
    }
}
