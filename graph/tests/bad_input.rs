//! Bad input at the graph readers: hand-made cases with the error each must give (the file and
//! the problem), and seeded mutation runs over the node table, the edge list and the Planetoid
//! layout that must never panic or give an empty or overlong message.

use std::path::Path;

use deepfield_core::testing::{assert_mutants_refused, lacking};
use deepfield_graph::io::{read_csv_pair, read_planetoid};

const NODES: &str =
    "id,label,split,f0,f1\na,x,train,1,0\nb,y,train,0,1\nc,x,test,1,1\nd,y,val,0.5,0\n";
const EDGES: &str = "source,target\na,b\nb,c\nc,d\nd,a\n";

fn pair(dir: &Path, nodes: &str, edges: &str) -> Result<usize, String> {
    let (n, e) = (dir.join("nodes.csv"), dir.join("edges.csv"));
    std::fs::write(&n, nodes).unwrap();
    std::fs::write(&e, edges).unwrap();
    read_csv_pair(&n, &e)
        .map(|g| g.n_nodes())
        .map_err(|e| e.to_string())
}

#[test]
fn hand_made_node_and_edge_cases_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(pair(dir.path(), NODES, EDGES), Ok(4));
    // (what, nodes, edges, fragments the error must contain)
    let cases: [(&str, &str, &str, &[&str]); 7] = [
        ("empty nodes", "", EDGES, &["nodes.csv", "empty"]),
        (
            "duplicate id",
            "id,label,f0\na,x,1\na,y,2\n",
            "a,a\n",
            &["nodes.csv", "a"],
        ),
        (
            "text feature",
            "id,label,f0\na,x,one\nb,y,2\n",
            "a,b\n",
            &["nodes.csv"],
        ),
        (
            "unknown edge node",
            NODES,
            "source,target\na,zz\n",
            &["edges.csv", "zz"],
        ),
        (
            "first edge unknown",
            NODES,
            "a,zz\nb,c\n",
            &["edges.csv:1", "zz"],
        ),
        (
            "one-column edge",
            NODES,
            "source,target\na\n",
            &["edges.csv"],
        ),
        (
            "unclosed quote",
            "id,label,f0\n\"a,x,1\nb,y,2\n",
            "a,b\n",
            &["nodes.csv"],
        ),
    ];
    let mut failures = Vec::new();
    for (what, nodes, edges, fragments) in cases {
        match pair(dir.path(), nodes, edges) {
            Ok(n) => failures.push(format!("{what}: read {n} nodes, expected an error")),
            Err(e) => failures.extend(lacking(what, &e, fragments)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mutated_node_tables_and_edge_lists_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let edges = dir.path().join("edges.csv");
    std::fs::write(&edges, EDGES).unwrap();
    assert_mutants_refused("nodes.csv", NODES.as_bytes(), (11, 300), 60, |p| {
        read_csv_pair(p, &edges).map(|g| g.n_nodes())
    });
    let nodes = dir.path().join("nodes.csv");
    std::fs::write(&nodes, NODES).unwrap();
    assert_mutants_refused("edges.csv", EDGES.as_bytes(), (12, 300), 60, |p| {
        read_csv_pair(&nodes, p).map(|g| g.n_nodes())
    });
}

#[test]
fn mutated_planetoid_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("g");
    std::fs::create_dir_all(&g).unwrap();
    let nodes = "node\tlabel\tsplit\n0\t3\ttrain\n1\t4\ttest\n2\t3\tval\n";
    let features = "0 1\n1\n0 2\n";
    let edges = "0 1\n1 2\n";
    for (file, valid, seed) in [
        ("nodes.tsv", nodes, 21),
        ("features.txt", features, 22),
        ("edges.txt", edges, 23),
    ] {
        for (f, text) in [
            ("nodes.tsv", nodes),
            ("features.txt", features),
            ("edges.txt", edges),
        ] {
            std::fs::write(g.join(f), text).unwrap();
        }
        assert_eq!(
            read_planetoid(&g).map(|g| g.n_nodes()).ok(),
            Some(3),
            "{file}"
        );
        let target = g.join(file);
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(&scratch).unwrap();
        assert_mutants_refused(file, valid.as_bytes(), (seed, 200), 20, |p| {
            std::fs::copy(p, &target).unwrap();
            read_planetoid(&g).map(|g| g.n_nodes())
        });
    }
}
