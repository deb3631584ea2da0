//! Full nodes as fault targets: random crash/repair (`full_node_crash`), offline by index range
//! (`full_nodes = [first, last]`) and membership in partitions (`full_node_groups`).

use consensus_model::NodeRef;
use scenarios::Engines;

fn scenario(extra: &str) -> String {
    format!(
        "[run]\nmode = \"consensus\"\nhorizon_days = 1\n[consensus]\nvalidators = 7\n\
         genesis_validators = 7\nfull_nodes = 40\n\
         topology = {{ kind = \"gossip\", degree = 4 }}\n{extra}\n"
    )
}

fn load(text: &str) -> Result<scenarios::Loaded, scenarios::ScenarioError> {
    scenarios::parse_document(std::path::Path::new("full.toml"), text.to_owned())?.load()
}

fn faults(text: &str) -> consensus_model::config::Faults {
    match load(text).unwrap_or_else(|e| panic!("{e}")).spec.engines() {
        Engines::Consensus(c) => c.consensus.faults.clone(),
        _ => panic!("consensus"),
    }
}

#[test]
fn ranges_and_groups_expand_to_the_full_nodes_they_name() {
    let f = faults(&scenario(
        "offline = [ { full_nodes = [10, 19], start_s = 60, end_s = 600 } ]\n\
         partitions = [ { groups = [[1, 2, 3]], full_node_groups = [[[0, 4]], [[5, 9], [30, 39]]], start_s = 100, end_s = 200 } ]",
    ));
    assert_eq!(f.offline.len(), 10);
    assert!(
        f.offline
            .iter()
            .all(|o| matches!(o.node, NodeRef::Full(10..=19)))
    );
    let p = &f.partitions[0];
    assert_eq!(p.groups.len(), 2);
    assert_eq!(
        p.groups[0].len(),
        3 + 5,
        "validators 1-3 with full nodes 0-4"
    );
    assert_eq!(p.groups[1].len(), 15, "a group of full nodes only");
}

#[test]
fn full_node_crashes_change_the_run_and_validators_do_not_crash() {
    let run = |extra: &str| {
        let loaded = load(&scenario(extra)).unwrap();
        scenarios::run(&loaded.spec).unwrap()
    };
    let calm = run("");
    let crashing = run("full_node_crash = { mtbf_s = 1800, mttr_s = 900 }");
    assert_ne!(
        calm.digest, crashing.digest,
        "full nodes' crashes reach the outputs"
    );
    let f = faults(&scenario(
        "full_node_crash = { mtbf_s = 1800, mttr_s = 900 }",
    ));
    assert!(f.crash.is_none() && f.full_node_crash.is_some());
    // Validators' own downtime is untouched: validator_stats offline time stays zero.
    let stats = crashing
        .tables
        .iter()
        .find(|t| t.name == "validator_stats")
        .unwrap();
    let offline = stats
        .columns
        .iter()
        .find(|c| c.name.starts_with("offline"))
        .unwrap();
    assert!(
        (0..stats.rows()).all(|r| offline.data.cell(r) == "0"),
        "{:?}",
        offline.name
    );
}

#[test]
fn bad_full_node_faults_name_the_key() {
    for (extra, key) in [
        (
            "offline = [ { full_nodes = [30, 45], start_s = 0 } ]",
            "consensus.offline[0].full_nodes",
        ),
        (
            "offline = [ { full_nodes = [3, 2], start_s = 0 } ]",
            "consensus.offline[0].full_nodes",
        ),
        (
            "partitions = [ { groups = [], full_node_groups = [[[0, 4]], [[3, 6]]], start_s = 1, end_s = 2 } ]",
            "consensus.partitions[0].full_node_groups",
        ),
    ] {
        let e = load(&scenario(extra)).unwrap_err();
        assert_eq!(e.key_path, key, "{extra}: {e}");
    }
    let none =
        "[run]\nmode = \"consensus\"\n[consensus]\nfull_node_crash = { mtbf_s = 1, mttr_s = 1 }\n";
    assert_eq!(
        load(none).unwrap_err().key_path,
        "consensus.full_node_crash"
    );
}
