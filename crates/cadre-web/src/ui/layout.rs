//! What every page's frame shows (`templates/base.html`): the title, asset URLs,
//! the project switcher, and which page is current.

use cadre_app::App;

use super::assets;
use super::error::UiResult;

/// One entry of the project switcher.
pub(crate) struct ProjectLink {
    /// Key, e.g. `WEB`.
    pub key: String,
    /// Name.
    pub name: String,
    /// Whether it is the project on screen.
    pub current: bool,
}

/// The frame of a page.
pub(crate) struct Layout {
    /// Page title (without the ` · cadre` suffix).
    pub title: String,
    /// Asset version for URLs.
    pub v: &'static str,
    /// Every project, for the switcher.
    pub projects: Vec<ProjectLink>,
}

impl Layout {
    /// A frame listing every project, with `current` selected.
    pub(crate) async fn load(app: &App, title: String, current: Option<&str>) -> UiResult<Self> {
        let projects = app
            .projects()
            .await?
            .into_iter()
            .map(|p| {
                let key = p.key.to_string();
                ProjectLink {
                    current: current == Some(key.as_str()),
                    key,
                    name: p.name,
                }
            })
            .collect();
        Ok(Self {
            title,
            v: assets::version(),
            projects,
        })
    }

    /// A frame without the project list, for error pages (which must render even
    /// when the projects cannot be read).
    pub(crate) fn bare(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            v: assets::version(),
            projects: vec![],
        }
    }
}
