//! Task lists a page at a time: `limit` and `cursor`, the `Link: rel="next"`
//! header, board order kept across pages (also when tasks are added meanwhile),
//! the default page size, refusal of bad paging parameters, the CLI reading
//! every page, and lists read again after writes (answers are cached between
//! writes) showing them at once.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::http::{Api, error_of};

/// One page: its task keys and the path of the next page, if any.
async fn page(api: &Api, path: &str) -> (Vec<String>, Option<String>) {
    let resp = api.request(Method::GET, path).send().await.expect("list");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let next = resp
        .headers()
        .get("link")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .map(|link| {
            let target = link
                .strip_prefix('<')
                .and_then(|l| l.split_once(">; rel=\"next\""))
                .map(|(target, _)| target.to_owned())
                .unwrap_or_else(|| panic!("not a next link: {link}"));
            target
                .strip_prefix("/api/v1")
                .unwrap_or_else(|| panic!("not an API path: {target}"))
                .to_owned()
        });
    let tasks: Value = resp.json().await.expect("json");
    let keys = tasks
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|t| t["key"].as_str().expect("key").to_owned())
        .collect();
    (keys, next)
}

/// Every key from `first` on, following the next links; and the number of pages.
async fn all_pages(api: &Api, first: &str) -> (Vec<String>, usize) {
    let (mut keys, mut next) = page(api, first).await;
    let mut pages = 1;
    while let Some(path) = next {
        let (more, after) = page(api, &path).await;
        assert!(!more.is_empty(), "a next link to an empty page: {path}");
        keys.extend(more);
        next = after;
        pages += 1;
    }
    (keys, pages)
}

#[tokio::test]
async fn pages_follow_the_board_order_through_next_links_and_keep_dependencies() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    for (title, status) in [
        ("a", "todo"),
        ("b", "backlog"),
        ("c", "todo"),
        ("d", "backlog"),
        ("e", "todo"),
        ("f", "todo"),
        ("g", "backlog"),
    ] {
        api.task("WEB", json!({ "title": title, "status": status }))
            .await;
    }
    let (status, _) = api
        .post(
            "/tasks/WEB-5/dependencies",
            json!({ "depends_on": "WEB-1" }),
        )
        .await;
    assert!(status.is_success(), "{status}");
    // Backlog first, then todo; each column by position.
    let board = [
        "WEB-2", "WEB-4", "WEB-7", "WEB-1", "WEB-3", "WEB-5", "WEB-6",
    ];
    let (whole, next) = page(&api, "/projects/WEB/tasks").await;
    assert_eq!(whole, board);
    assert_eq!(next, None, "everything fits in the default page");

    let (keys, pages) = all_pages(&api, "/projects/WEB/tasks?limit=3").await;
    assert_eq!(keys, board);
    assert_eq!(pages, 3);
    let (keys, pages) = all_pages(&api, "/tasks?project=WEB&status=todo&limit=2").await;
    assert_eq!(keys, ["WEB-1", "WEB-3", "WEB-5", "WEB-6"]);
    assert_eq!(pages, 2);

    let (_, second) = page(&api, "/projects/WEB/tasks?limit=5").await;
    let (_, tasks) = api.get(&second.expect("a second page")).await;
    let web5 = tasks
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["key"] == "WEB-5")
        .expect("WEB-5 on the second page");
    assert_eq!(web5["depends_on"][0]["key"], "WEB-1", "{web5}");
}

#[tokio::test]
async fn tasks_added_while_paging_neither_repeat_nor_shift_the_pages() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    for title in ["a", "b", "c", "d"] {
        api.task("WEB", json!({ "title": title })).await;
    }
    let (first, next) = page(&api, "/projects/WEB/tasks?limit=2").await;
    assert_eq!(first, ["WEB-1", "WEB-2"]);
    // One card lands before the cursor (an earlier column), one after it (the
    // end of the same column): with offsets the first would repeat `WEB-2`.
    api.task("WEB", json!({ "title": "early", "status": "backlog" }))
        .await;
    api.task("WEB", json!({ "title": "late" })).await;
    let (rest, _) = all_pages(&api, &next.expect("next")).await;
    assert_eq!(rest, ["WEB-3", "WEB-4", "WEB-6"]);
}

#[tokio::test]
async fn a_page_holds_100_tasks_by_default_and_the_cli_reads_them_all() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    for i in 0..105 {
        api.task("WEB", json!({ "title": format!("task {i}") }))
            .await;
    }
    let (first, next) = page(&api, "/projects/WEB/tasks").await;
    assert_eq!(first.len(), 100);
    let next = next.expect("a next page");
    assert!(next.contains("limit=100"), "{next}");
    let (rest, none) = page(&api, &next).await;
    assert_eq!(rest.len(), 5);
    assert_eq!(none, None);

    let out = api
        .server
        .ok(&["task", "list", "--project", "WEB", "--json"]);
    let listed: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(105));
}

#[tokio::test]
async fn bad_limits_and_cursors_are_refused_naming_the_parameter() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "a" })).await;
    for (path, field) in [
        ("/projects/WEB/tasks?limit=0", "limit"),
        ("/projects/WEB/tasks?limit=1001", "limit"),
        ("/projects/WEB/tasks?cursor=WEB.1", "cursor"),
        ("/tasks?cursor=..%2F..%2Fetc", "cursor"),
        ("/tasks?cursor=WEB.9.0.1", "cursor"),
    ] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        let (_, message) = error_of(&body);
        assert!(message.contains(field), "{path}: {message}");
    }
    let (status, body) = api.get("/projects/WEB/tasks?limit=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn a_list_read_again_shows_every_acknowledged_write() {
    let api = Api::start();
    let (_dir, _) = api.project("WEB").await;
    api.task("WEB", json!({ "title": "a" })).await;
    let path = "/projects/WEB/tasks?limit=10";
    let (_, before) = api.get(path).await;
    let (_, again) = api.get(path).await;
    assert_eq!(before, again, "nothing changed");

    api.task("WEB", json!({ "title": "b" })).await;
    let (keys, _) = page(&api, path).await;
    assert_eq!(keys, ["WEB-1", "WEB-2"], "a created task shows at once");

    let (status, _) = api
        .send(
            Method::PATCH,
            "/tasks/WEB-1",
            Some(json!({ "title": "renamed" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, tasks) = api.get(path).await;
    assert_eq!(tasks[0]["title"], "renamed");

    let (status, _) = api
        .post("/tasks/WEB-2/move", json!({ "status": "backlog" }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (keys, _) = page(&api, path).await;
    assert_eq!(keys, ["WEB-2", "WEB-1"], "a move shows at once");

    let (status, _) = api.delete("/tasks/WEB-2").await;
    assert_eq!(status, StatusCode::OK);
    let (keys, _) = page(&api, path).await;
    assert_eq!(keys, ["WEB-1"], "a deletion shows at once");
    let (status, _) = api.get("/projects/NOPE/tasks").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
