//! The simulator's menu (`assets/menu.toml`), and tickets drawn from it.

use kds_protocol::{
    Invalid, Kind, MAX_ITEM_NAME_CHARS, MAX_MODIFIER_CHARS, NewItem, NewOrder, OrderDraft, Station,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde::Deserialize;
use std::path::PathBuf;

/// The menu that ships inside the binary.
pub const BUILT_IN_MENU: &str = include_str!("../../../assets/menu.toml");

/// A menu that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MenuError {
    #[error("cannot read menu {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("menu {path}: {message}")]
    Parse { path: String, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    #[serde(default)]
    pub rush_percent: u8,
    #[serde(default)]
    pub order_notes: Vec<String>,
    #[serde(default)]
    pub item_notes: Vec<String>,
    #[serde(default)]
    pub customers: Vec<String>,
    pub items: Vec<MenuItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    pub name: String,
    pub station: Station,
    /// main, side, drink, dessert: for people reading the file.
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub modifiers: Vec<String>,
}

impl Menu {
    /// The configured menu file, or the built-in one.
    pub fn load(config: &crate::DemoConfig) -> Result<Self, MenuError> {
        match &config.menu {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| MenuError::Read {
                    path: path.clone(),
                    source,
                })?;
                Self::parse(&text, &path.display().to_string())
            }
            None => Self::parse(BUILT_IN_MENU, "(built in)"),
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<Self, MenuError> {
        let error = |message: String| MenuError::Parse {
            path: origin.to_owned(),
            message,
        };
        let menu: Menu = toml::from_str(text).map_err(|err| error(err.to_string()))?;
        if menu.items.is_empty() {
            return Err(error("items: the menu needs at least one item".into()));
        }
        for (i, item) in menu.items.iter().enumerate() {
            let chars = item.name.chars().count();
            if item.name.trim().is_empty() || chars > MAX_ITEM_NAME_CHARS {
                return Err(error(format!(
                    "items[{i}].name: must be 1 to {MAX_ITEM_NAME_CHARS} characters"
                )));
            }
            if item
                .modifiers
                .iter()
                .any(|m| m.chars().count() > MAX_MODIFIER_CHARS)
            {
                return Err(error(format!(
                    "items[{i}].modifiers: each at most {MAX_MODIFIER_CHARS} characters"
                )));
            }
        }
        if menu.rush_percent > 100 {
            return Err(error("rush_percent: must be 0 to 100".into()));
        }
        Ok(menu)
    }

    /// The items `station` cooks; a station the menu does not know cooks
    /// from the whole menu.
    fn pool(&self, station: &Station) -> Vec<&MenuItem> {
        let own: Vec<&MenuItem> = self
            .items
            .iter()
            .filter(|i| &i.station == station)
            .collect();
        if own.is_empty() {
            self.items.iter().collect()
        } else {
            own
        }
    }

    /// A plausible order with lines for each of `stations` (1 to 4 lines
    /// for one station, 1 to 2 each for a check); each line names its
    /// station when there are several.
    pub fn order(&self, stations: &[Station], rng: &mut impl Rng) -> NewOrder {
        let mut items = Vec::new();
        let per_station = if stations.len() > 1 {
            1..=2usize
        } else {
            1..=4
        };
        for station in stations {
            let pool = self.pool(station);
            for _ in 0..rng.random_range(per_station.clone()) {
                if let Some(item) = pool.choose(rng).copied() {
                    let mut line = self.line(item, rng);
                    if stations.len() > 1 {
                        line.station = Some(station.as_str().to_owned());
                    }
                    items.push(line);
                }
            }
        }
        let (kind, table, customer) = match rng.random_range(0..100u8) {
            0..60 => (
                Kind::DineIn,
                Some(format!("T{}", rng.random_range(1..=24u8))),
                None,
            ),
            60..85 => (Kind::Takeout, None, self.customers.choose(rng).cloned()),
            _ => (Kind::Delivery, None, self.customers.choose(rng).cloned()),
        };
        let notes = rng
            .random_bool(0.15)
            .then(|| self.order_notes.choose(rng).cloned())
            .flatten();
        NewOrder {
            station: stations.first().map(|s| s.as_str().to_owned()),
            items: Some(items),
            notes,
            kind: Some(kind.as_str().to_owned()),
            table,
            customer,
            rush: Some(rng.random_range(0..100u8) < self.rush_percent),
        }
    }

    /// A plausible ticket for `station`, checked by the same rules as a POST.
    pub fn ticket(&self, station: &Station, rng: &mut impl Rng) -> Result<OrderDraft, Invalid> {
        self.order(std::slice::from_ref(station), rng).validate()
    }

    /// One more line for an order at `station` (an add-on).
    pub fn add_on(&self, station: &Station, rng: &mut impl Rng) -> Option<NewItem> {
        let item = self.pool(station).choose(rng).copied()?;
        Some(self.line(item, rng))
    }

    /// An order note the point of sale adds after the ticket was sent.
    pub fn late_note(&self, rng: &mut impl Rng) -> Option<String> {
        self.order_notes.choose(rng).cloned()
    }

    fn line(&self, item: &MenuItem, rng: &mut impl Rng) -> NewItem {
        let qty = if rng.random_bool(0.75) {
            1
        } else {
            rng.random_range(2..=3)
        };
        let modifiers = if item.modifiers.is_empty() || rng.random_bool(0.6) {
            Vec::new()
        } else {
            let count = rng.random_range(1..=2.min(item.modifiers.len()));
            item.modifiers
                .choose_multiple(rng, count)
                .cloned()
                .collect()
        };
        let notes = rng
            .random_bool(0.08)
            .then(|| self.item_notes.choose(rng).cloned())
            .flatten();
        NewItem {
            name: Some(item.name.clone()),
            qty: Some(qty),
            modifiers: Some(modifiers),
            notes,
            station: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_built_in_menu_covers_every_demo_station_and_kind() {
        let menu = Menu::parse(BUILT_IN_MENU, "built in").unwrap();
        let config = crate::DemoConfig::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut kinds = std::collections::HashSet::new();
        let mut rush = 0;
        for station in &config.stations {
            assert!(
                menu.items.iter().any(|i| &i.station == station),
                "{station}"
            );
            for _ in 0..100 {
                let draft = menu.ticket(station, &mut rng).unwrap();
                assert_eq!(&draft.station, station);
                kinds.insert(draft.kind);
                rush += usize::from(draft.rush);
            }
        }
        assert_eq!(kinds.len(), 3);
        assert!(rush > 0 && rush < 200, "{rush}");
    }

    #[test]
    fn a_broken_menu_names_the_problem() {
        let err = Menu::parse("items = []", "x").unwrap_err().to_string();
        assert!(err.contains("items"), "{err}");
        let err = Menu::parse("[[items]]\nname = \"A\"\nstation = \"Bad\"", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("station"), "{err}");
    }
}
