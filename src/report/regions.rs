//! Which region a department belongs to: the official table (INSEE code
//! officiel géographique, embedded from `departements.csv`), under the
//! team's own grouping from `[regions]` where it names a department.

use std::collections::BTreeMap;

use crate::model::Department;

/// The embedded table: `code;departement;region_code;region`, `#` comments.
const TABLE: &str = include_str!("departements.csv");

/// A department's line of the official table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Official {
    /// The department code (`01`, `2A`, `971`).
    pub code: &'static str,
    /// Its name (`Ain`).
    pub name: &'static str,
    /// Its region's INSEE code (`84`).
    pub region_code: &'static str,
    /// Its region's name (`Auvergne-Rhône-Alpes`).
    pub region: &'static str,
}

/// Every line of the official table, in its order (by department code).
pub fn official() -> impl Iterator<Item = Official> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        // The header line.
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(';');
            Some(Official {
                code: f.next()?,
                name: f.next()?,
                region_code: f.next()?,
                region: f.next()?,
            })
        })
}

/// The region of each department: the official table under the team's
/// overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions {
    /// Department code → (department name, region name).
    by_department: BTreeMap<String, (String, String)>,
}

impl Regions {
    /// The official table with `overrides` (department → region name, as
    /// `[regions]` gives them) applied.
    pub fn new(overrides: &BTreeMap<Department, String>) -> Regions {
        let mut by_department: BTreeMap<String, (String, String)> = official()
            .map(|o| (o.code.to_owned(), (o.name.to_owned(), o.region.to_owned())))
            .collect();
        for (d, region) in overrides {
            let name = by_department
                .get(d.as_str())
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            by_department.insert(d.as_str().to_owned(), (name, region.clone()));
        }
        Regions { by_department }
    }

    /// The region of a department, if any table names it (975,
    /// Saint-Pierre-et-Miquelon, is a collectivity in none).
    pub fn region_of(&self, department: &str) -> Option<&str> {
        self.by_department.get(department).map(|(_, r)| r.as_str())
    }

    /// The name of a department, if the official table knows it.
    pub fn department_name(&self, department: &str) -> Option<&str> {
        self.by_department
            .get(department)
            .map(|(n, _)| n.as_str())
            .filter(|n| !n.is_empty())
    }

    /// The region named `name`, as written here, compared without regard to
    /// case, so that `--region occitanie` finds "Occitanie".
    pub fn find(&self, name: &str) -> Option<&str> {
        let wanted = name.trim().to_lowercase();
        self.by_department
            .values()
            .map(|(_, r)| r.as_str())
            .find(|r| r.to_lowercase() == wanted)
    }

    /// Every region name, sorted, once each.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .by_department
            .values()
            .map(|(_, r)| r.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_table_has_101_departments_in_18_regions() {
        let all: Vec<Official> = official().collect();
        assert_eq!(all.len(), 101);
        let mut regions: Vec<&str> = all.iter().map(|o| o.region).collect();
        regions.sort_unstable();
        regions.dedup();
        assert_eq!(regions.len(), 18);
        // Every code is one vigie accepts, and every code vigie accepts but
        // 975 (a collectivity, not a department) is in the table.
        for o in &all {
            assert_eq!(Department::parse(o.code).unwrap().as_str(), o.code);
        }
        let mut expected: Vec<String> = (1..=95)
            .filter(|n| *n != 20)
            .map(|n| format!("{n:02}"))
            .chain(["2A".into(), "2B".into()])
            .chain([971, 972, 973, 974, 976].map(|n| n.to_string()))
            .collect();
        expected.sort();
        let mut codes: Vec<String> = all.iter().map(|o| o.code.to_owned()).collect();
        codes.sort();
        assert_eq!(codes, expected);
        // A region code means one region name.
        let mut pairs: Vec<(&str, &str)> = all.iter().map(|o| (o.region_code, o.region)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), 18);
    }

    #[test]
    fn known_departments_sit_in_their_region() {
        let r = Regions::new(&BTreeMap::new());
        assert_eq!(r.region_of("31"), Some("Occitanie"));
        assert_eq!(r.region_of("76"), Some("Normandie"));
        assert_eq!(r.region_of("13"), Some("Provence-Alpes-Côte d'Azur"));
        assert_eq!(r.region_of("2A"), Some("Corse"));
        assert_eq!(r.region_of("976"), Some("Mayotte"));
        assert_eq!(r.region_of("975"), None);
        assert_eq!(r.department_name("2B"), Some("Haute-Corse"));
        assert_eq!(r.find("OCCITANIE"), Some("Occitanie"));
    }

    #[test]
    fn the_teams_grouping_overrides_only_what_it_names() {
        let d = |c| Department::parse(c).unwrap();
        let overrides = BTreeMap::from([
            (d("31"), "Midi-Pyrénées".to_owned()),
            (d("76"), "Haute-Normandie".to_owned()),
        ]);
        let r = Regions::new(&overrides);
        assert_eq!(r.region_of("31"), Some("Midi-Pyrénées"));
        assert_eq!(r.department_name("31"), Some("Haute-Garonne"));
        assert_eq!(r.region_of("76"), Some("Haute-Normandie"));
        assert_eq!(r.region_of("14"), Some("Normandie"));
        assert!(r.names().contains(&"Midi-Pyrénées"));
    }
}
