//! The task dependency graph. Dependencies must form a DAG: an edge that would
//! close a cycle is refused, and the refusal names the cycle so the user can see
//! which dependency to drop.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

/// Adding a dependency would close a cycle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("adding this dependency would create a cycle: {}", .cycle.join(" -> "))]
pub struct CycleError {
    /// The cycle, as task keys, starting and ending at the task being changed.
    pub cycle: Vec<String>,
}

/// Checks whether adding the edge `task -> depends_on` to `edges` would close a
/// cycle. `edges` are existing `(task, depends_on)` pairs.
///
/// Returns the cycle as a path starting and ending at `task`
/// (`task -> depends_on -> ... -> task`) when it would, `None` when the edge is safe.
pub fn cycle_with<N>(edges: &[(N, N)], task: &N, depends_on: &N) -> Option<Vec<N>>
where
    N: Clone + Eq + Hash,
{
    if task == depends_on {
        return Some(vec![task.clone(), task.clone()]);
    }
    // A cycle appears iff `task` is already reachable from `depends_on`.
    let mut adjacency: HashMap<&N, Vec<&N>> = HashMap::new();
    for (from, to) in edges {
        adjacency.entry(from).or_default().push(to);
    }
    let mut parent: HashMap<&N, &N> = HashMap::new();
    let mut seen: HashSet<&N> = HashSet::from([depends_on]);
    let mut queue = VecDeque::from([depends_on]);
    while let Some(node) = queue.pop_front() {
        if node == task {
            // Walk back from `task` to `depends_on`, then prepend the new edge.
            let mut path = vec![task.clone()];
            let mut cur = node;
            while let Some(prev) = parent.get(cur) {
                path.push((*prev).clone());
                cur = prev;
            }
            path.push(task.clone());
            path.reverse();
            return Some(path);
        }
        for next in adjacency.get(node).into_iter().flatten() {
            if seen.insert(next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn self_dependency_is_a_cycle() {
        let edges: Vec<(u32, u32)> = vec![];
        assert_eq!(cycle_with(&edges, &1, &1), Some(vec![1, 1]));
    }

    #[test]
    fn closing_edge_reports_the_whole_cycle_in_order() {
        // 1 depends on 2, 2 depends on 3; adding 3 -> 1 closes 3 -> 1 -> 2 -> 3.
        let edges = vec![(1, 2), (2, 3)];
        assert_eq!(cycle_with(&edges, &3, &1), Some(vec![3, 1, 2, 3]));
    }

    #[test]
    fn diamond_is_not_a_cycle() {
        let edges = vec![(1, 2), (1, 3), (2, 4), (3, 4)];
        assert_eq!(cycle_with(&edges, &1, &4), None);
        assert_eq!(cycle_with(&edges, &5, &1), None);
    }

    proptest! {
        /// Adding only edges the checker accepts keeps the graph acyclic, and every
        /// reported cycle is a real path through existing edges plus the new one.
        #[test]
        fn accepted_edges_never_form_a_cycle(raw in prop::collection::vec((0u8..12, 0u8..12), 0..60)) {
            let mut edges: Vec<(u8, u8)> = Vec::new();
            for (a, b) in raw {
                match cycle_with(&edges, &a, &b) {
                    None => edges.push((a, b)),
                    Some(cycle) => {
                        prop_assert_eq!(cycle.first(), Some(&a));
                        prop_assert_eq!(cycle.last(), Some(&a));
                        prop_assert_eq!(cycle.get(1), Some(&b));
                        for pair in cycle[1..].windows(2) {
                            prop_assert!(edges.contains(&(pair[0], pair[1])), "{:?} not an edge", pair);
                        }
                    }
                }
            }
            // Topological sort succeeds: repeatedly remove nodes without outgoing edges.
            let mut remaining = edges.clone();
            loop {
                let sinks: Vec<u8> = (0..12).filter(|n| !remaining.iter().any(|(f, _)| f == n)).collect();
                let before = remaining.len();
                remaining.retain(|(_, to)| !sinks.contains(to));
                if remaining.is_empty() { break; }
                prop_assert!(remaining.len() < before, "cycle left in {:?}", remaining);
            }
        }
    }
}
