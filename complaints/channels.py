"""The other complaint channels of the standard (clause a.6), shown on the public complaint page."""

SIPUMA_URL = "https://www.beacukai.go.id/pengaduan.html"
EMAIL = "pengaduan.beacukai@customs.go.id"
PHONE = "1500 225"
FAX = "(021) 4890966"
LETTER_ADDRESS = (
    "Direktur Kepatuhan Internal, Direktorat Jenderal Bea dan Cukai, Jl. Ahmad Yani By Pass, Rawamangun, "
    "Jakarta Timur 13230"
)
