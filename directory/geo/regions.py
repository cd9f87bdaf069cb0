"""Countries and regions the gazetteer covers, with the names and abbreviations people type.

Region codes are ISO 3166-2 subdivision codes without the country prefix (TX, ON, NSW, SCT, L, AUK).
GeoNames numbers some regions differently (Ontario is admin1 '08'); `GEONAMES_ADMIN1` maps those.
"""

from __future__ import annotations

COUNTRY_NAMES: dict[str, str] = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "IE": "Ireland",
    "AU": "Australia",
    "NZ": "New Zealand",
}

# What people type for a country, already normalised (see services.normalise).
COUNTRY_ALIASES: dict[str, str] = {
    "us": "US",
    "usa": "US",
    "u s": "US",
    "u s a": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
    "ca": "CA",
    "canada": "CA",
    "uk": "GB",
    "u k": "GB",
    "gb": "GB",
    "great britain": "GB",
    "britain": "GB",
    "united kingdom": "GB",
    "ie": "IE",
    "ireland": "IE",
    "eire": "IE",
    "republic of ireland": "IE",
    "au": "AU",
    "aus": "AU",
    "australia": "AU",
    "nz": "NZ",
    "new zealand": "NZ",
    "aotearoa": "NZ",
}

# country -> region code -> region name
REGION_NAMES: dict[str, dict[str, str]] = {
    "US": {
        "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
        "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
        "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
        "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
        "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
        "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
        "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
        "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
        "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah",
        "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
        "WY": "Wyoming", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam",
        "AS": "American Samoa", "MP": "Northern Mariana Islands", "FM": "Micronesia",
        "MH": "Marshall Islands", "PW": "Palau",
    },
    "CA": {
        "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
        "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "ON": "Ontario", "PE": "Prince Edward Island",
        "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon", "NT": "Northwest Territories", "NU": "Nunavut",
    },
    "AU": {
        "ACT": "Australian Capital Territory", "NSW": "New South Wales", "NT": "Northern Territory",
        "QLD": "Queensland", "SA": "South Australia", "TAS": "Tasmania", "VIC": "Victoria",
        "WA": "Western Australia",
    },
    "GB": {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"},
    "IE": {"C": "Connacht", "L": "Leinster", "M": "Munster", "U": "Ulster"},
    "NZ": {
        "AUK": "Auckland", "BOP": "Bay of Plenty", "CAN": "Canterbury", "GIS": "Gisborne",
        "HKB": "Hawke's Bay", "MWT": "Manawatu-Wanganui", "MBH": "Marlborough", "NSN": "Nelson",
        "NTL": "Northland", "OTA": "Otago", "STL": "Southland", "TKI": "Taranaki", "TAS": "Tasman",
        "WKO": "Waikato", "WGN": "Wellington", "WTC": "West Coast", "CIT": "Chatham Islands",
    },
}

# GeoNames admin1 code -> ISO 3166-2 region code, where they differ (US, GB and IE already agree).
GEONAMES_ADMIN1: dict[str, dict[str, str]] = {
    "CA": {
        "01": "AB", "02": "BC", "03": "MB", "04": "NB", "05": "NL", "07": "NS", "08": "ON", "09": "PE",
        "10": "QC", "11": "SK", "12": "YT", "13": "NT", "14": "NU",
    },
    "AU": {
        "01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS", "07": "VIC", "08": "WA",
    },
    "NZ": {
        "E7": "AUK", "E8": "BOP", "E9": "CAN", "F1": "GIS", "F2": "HKB", "F3": "MWT", "F4": "MBH",
        "F5": "NSN", "F6": "NTL", "F7": "OTA", "F8": "STL", "F9": "TKI", "TAS": "TAS", "G1": "WKO",
        "G2": "WGN", "G3": "WTC", "10": "CIT",
    },
}

# Extra spellings of regions, normalised: country -> alias -> region code.
REGION_ALIASES: dict[str, dict[str, str]] = {
    "US": {"washington dc": "DC", "d c": "DC", "washington d c": "DC", "calif": "CA", "mass": "MA",
           "penn": "PA", "wash": "WA", "tex": "TX", "fla": "FL", "ariz": "AZ", "colo": "CO", "conn": "CT"},
    "CA": {"que": "QC", "quebec": "QC", "pei": "PE", "nfld": "NL", "newfoundland": "NL", "labrador": "NL"},
    "AU": {"tassie": "TAS"},
    "GB": {"eng": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR", "ni": "NIR",
           "n ireland": "NIR", "cymru": "WLS"},
    "IE": {},
    "NZ": {"hawkes bay": "HKB", "manawatu": "MWT", "wanganui": "MWT", "whanganui": "MWT",
           "manawatu whanganui": "MWT"},
}

# Where a label shows the region's abbreviation (Toronto, ON) rather than its name (Perth, Scotland).
ABBREVIATED_REGIONS = {"US", "CA", "AU"}
# Where the region is left out of labels: Irish provinces and NZ regions are not part of how people
# name a town.
UNLABELLED_REGIONS = {"IE", "NZ"}
