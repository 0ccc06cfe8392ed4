"""The labels every weight map and category column draws from, (key-space limits: ``capacity``).

Order matters: draws map a uniform onto labels in this order, so reordering a tuple changes data.
"""

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-99")
INCOME_BRACKETS = (
    "under_25k",
    "25k_50k",
    "50k_75k",
    "75k_100k",
    "100k_150k",
    "150k_200k",
    "200k_plus",
)
GENDERS = ("female", "male")
EDUCATION_LEVELS = (
    "less_than_high_school",
    "high_school",
    "some_college",
    "associate",
    "bachelor",
    "master",
    "doctorate",
)
EMPLOYMENT_STATUSES = ("employed", "unemployed", "retired", "student", "homemaker_or_other")
URBANICITY = ("urban", "suburban", "rural")
IDENTIFIER_TYPES = ("cookie", "mobile_ad_id", "email_hash", "device_id", "ctv_id", "ip_address")
HOUSEHOLD_IDENTIFIER_TYPES = ("ctv_id", "ip_address")
CONTENT_CATEGORIES = (
    "news",
    "sports",
    "drama",
    "comedy",
    "reality",
    "kids",
    "documentary",
    "music",
    "lifestyle",
    "gaming",
)
ENGAGEMENT_TYPES = ("view", "click", "like", "share", "comment")
DEVICE_TYPES = ("ctv", "mobile", "desktop", "tablet")
BEHAVIOURAL_CLASSES = ("heavy", "moderate", "light", "lapsed")
CHANNELS = ("ctv", "video", "display", "social", "email", "search")
GOALS = ("awareness", "consideration", "conversion")
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
