"""The demo's knowledge base and its conversations: what the public asks customs most, and the answer each gets.

Each knowledge-base entry becomes two national answers: the Indonesian one (the answer officers insert) and the
English one, tagged ``en``, for visitors who write in English. Facts from DOMAIN.md (the shared domain notes);
rules change, so the texts point to the official pages and an admin edits them in the knowledge base.

Each demo question names the entry that answers it and the language it is written in; an answered demo
conversation gets that entry's answer in the requester's language (`demo_reply`), so every demo answer fits its
question (tests/test_demo_answers.py).
"""

from dataclasses import dataclass

# key: (keywords, Indonesian title, Indonesian answer, English title, English answer)
KNOWLEDGE: dict[str, tuple[str, str, str, str, str]] = {
    "allowance": (
        "penumpang pembebasan bea masuk fob",
        "Pembebasan bea masuk barang penumpang",
        "Barang pribadi penumpang dibebaskan bea masuk dan pajak impor sampai nilai pabean USD 500 (FOB) per orang "
        "untuk setiap kedatangan. Kelebihannya dikenai bea masuk dan pajak atas selisih nilai tersebut. Simpan "
        "nota pembelian agar petugas dapat menilai barang Anda dengan cepat.",
        "Duty-free allowance for passengers",
        "A passenger's personal goods are free of import duty and import taxes up to a customs value of USD 500 "
        "(FOB) per person per arrival. Above that, duty and taxes are charged on the excess. Keep your receipts so "
        "the officer can value your goods quickly.",
    ),
    "tobacco-alcohol": (
        "penumpang rokok cerutu tembakau alkohol cukai",
        "Batas bebas cukai rokok dan minuman beralkohol",
        "Setiap penumpang dewasa boleh membawa tanpa cukai paling banyak 200 batang sigaret, atau 25 batang cerutu, "
        "atau 100 gram tembakau iris atau hasil tembakau lainnya, dan 1 liter minuman mengandung etil alkohol. "
        "Kelebihannya dimusnahkan atau dikenai cukai sesuai ketentuan.",
        "Excise-free tobacco and alcohol",
        "Each adult passenger may bring, free of excise, at most 200 cigarettes, or 25 cigars, or 100 grams of "
        "tobacco, and 1 litre of drinks containing ethyl alcohol. Anything above that is destroyed or charged "
        "excise under the rules.",
    ),
    "imei": (
        "imei ponsel hp kedatangan registrasi",
        "Registrasi IMEI ponsel dari luar negeri",
        "Ponsel, komputer genggam dan tablet yang dibeli di luar negeri wajib didaftarkan IMEI-nya saat tiba di "
        "Indonesia, paling banyak 2 unit per penumpang. Isi data IMEI (15 digit, cek dengan *#06#) melalui e-CD "
        "sebelum mendarat, lalu tunjukkan perangkat di meja Bea Cukai bandara.",
        "Registering the IMEI of a phone bought abroad",
        "Phones, handhelds and tablets bought abroad must have their IMEI registered on arrival in Indonesia, at "
        "most 2 units per passenger. Enter the IMEI (15 digits, dial *#06# to see it) in the e-CD before landing, "
        "then show the device at the customs desk of the airport.",
    ),
    "imei-late": (
        "imei terlambat kantor bea cukai ponsel",
        "IMEI belum didaftarkan saat kedatangan",
        "Jika IMEI belum didaftarkan di bandara, Anda masih dapat mendaftarkannya di kantor Bea Cukai terdekat "
        "dengan membawa paspor, boarding pass, ponsel dan bukti pembelian. Namun pembebasan USD 500 tidak lagi "
        "berlaku, sehingga bea masuk dan pajak dihitung atas seluruh nilai ponsel.",
        "IMEI not registered on arrival",
        "If you did not register the IMEI at the airport, you can still do it at the nearest customs office with "
        "your passport, boarding pass, the phone and its receipt. The USD 500 exemption no longer applies then, so "
        "duty and taxes are charged on the whole value of the phone.",
    ),
    "imei-invalid": (
        "imei format digit salah",
        "Nomor IMEI tidak valid",
        "Nomor IMEI terdiri dari 15 digit angka; digit terakhir adalah angka pemeriksa. Pastikan Anda menyalin "
        "nomor dari layar *#06# atau dari kotak ponsel, bukan nomor seri. Untuk ponsel dua SIM, daftarkan kedua "
        "IMEI-nya.",
        "The IMEI is not valid",
        "An IMEI has 15 digits; the last one is a check digit. Copy it from the *#06# screen or the phone's box, "
        "not the serial number. For a dual-SIM phone, register both IMEIs.",
    ),
    "shipment-duty": (
        "barang kiriman ecommerce bea masuk ambang",
        "Ketentuan bea masuk barang kiriman",
        "Barang kiriman (paket dari luar negeri melalui kurir atau pos) bernilai sampai USD 3 (FOB) dibebaskan bea "
        "masuk, tetapi tetap dikenai pajak impor; di atas USD 3 dikenai bea masuk dan pajak impor sesuai tarif. "
        "Beberapa barang seperti tas, sepatu dan tekstil memiliki tarif khusus. Pungutan dibayar melalui kurir "
        "dengan kode billing resmi.",
        "Duty on shipments (barang kiriman)",
        "Shipments (parcels from abroad by courier or post) worth up to USD 3 (FOB) are free of import duty but "
        "still pay import taxes; above USD 3, duty and taxes are charged at the applicable rates. Some goods, such "
        "as bags, shoes and textiles, have special rates. The charges are paid through the courier with an "
        "official billing code.",
    ),
    "tracking": (
        "lacak resi awb status kiriman",
        "Melacak status barang kiriman dengan nomor resi",
        "Status barang kiriman dapat dicek di laman beacukai.go.id menu Lacak Barang Kiriman dengan memasukkan "
        "nomor resi atau AWB dari kurir. Status tersebut menunjukkan tahap pemeriksaan pabean; untuk posisi fisik "
        "paket, silakan hubungi kurir Anda.",
        "Tracking a shipment by its consignment note",
        "You can check the status of a shipment on beacukai.go.id under Track Shipments by entering the "
        "consignment note or AWB number from the courier. The status shows the customs stage; for where the "
        "parcel physically is, please contact your courier.",
    ),
    "data-not-found": (
        "data tidak ditemukan resi awb kiriman",
        'Status "data tidak ditemukan" pada pelacakan',
        'Status "data tidak ditemukan" biasanya berarti kurir belum menyampaikan data paket ke Bea Cukai, atau '
        "nomor yang dimasukkan bukan nomor AWB induk. Tunggu 1–2 hari setelah paket tiba di Indonesia, lalu cek "
        "kembali; bila tetap tidak muncul, tanyakan nomor AWB yang benar kepada kurir.",
        'Tracking says "data not found"',
        '"Data not found" usually means the courier has not yet sent the parcel\'s data to customs, or the number '
        "entered is not the master AWB. Wait 1–2 days after the parcel reaches Indonesia and try again; if it "
        "still does not appear, ask the courier for the right AWB number.",
    ),
    "invoice": (
        "invoice bukti bayar kiriman dokumen",
        "Permintaan invoice atau bukti pembayaran barang kiriman",
        "Petugas dapat meminta invoice, bukti transfer atau tangkapan layar pesanan untuk memastikan nilai barang "
        "kiriman. Kirimkan dokumen tersebut melalui kurir Anda atau kanal resmi yang tertera dalam pemberitahuan. "
        "Tanpa bukti, nilai barang ditetapkan oleh petugas berdasarkan data pembanding.",
        "Requests for an invoice or proof of payment",
        "The officer may ask for the invoice, a transfer receipt or a screenshot of the order to confirm the value "
        "of a shipment. Send it through your courier or the official channel named in the notice. Without proof, "
        "the officer sets the value from comparable data.",
    ),
    "warehouse-fee": (
        "biaya gudang kurir penimbunan kiriman",
        "Biaya gudang yang ditagih kurir",
        "Biaya gudang, biaya penanganan dan biaya administrasi ditagih oleh kurir atau pengelola gudang, bukan oleh "
        "Bea Cukai. Bea Cukai hanya memungut bea masuk, cukai dan pajak impor dengan kode billing. Untuk rincian "
        "biaya gudang, silakan hubungi kurir Anda.",
        "Warehouse fees charged by the courier",
        "Warehouse, handling and administration fees are charged by the courier or the warehouse operator, not "
        "by customs. Customs only collects import duty, excise and import taxes, with a billing code. For details "
        "of the warehouse fees, please contact your courier.",
    ),
    "ecd": (
        "ecd deklarasi elektronik penumpang",
        "Mengisi e-CD (Electronic Customs Declaration)",
        "Setiap penumpang yang tiba dari luar negeri mengisi e-CD di ecd.beacukai.go.id paling cepat 3 hari sebelum "
        "kedatangan; satu keluarga cukup satu e-CD. Setelah selesai Anda mendapat kode QR yang dipindai di bandara. "
        "Jika membawa barang di atas pembebasan, nyatakan di e-CD agar proses lebih cepat.",
        "Filling in the e-CD (electronic customs declaration)",
        "Every passenger arriving from abroad fills in the e-CD at ecd.beacukai.go.id up to 3 days before arrival; "
        "one e-CD covers a family. You then get a QR code that is scanned at the airport. If you carry goods above "
        "the allowance, declare them in the e-CD to go through faster.",
    ),
    "billing": (
        "kode billing pembayaran bayar bea masuk",
        "Membayar dengan kode billing",
        "Semua pungutan Bea Cukai dibayar dengan kode billing (15 digit) melalui bank, kantor pos atau kanal "
        "pembayaran resmi; uang masuk langsung ke kas negara dan Anda menerima bukti penerimaan negara (NTPN). "
        "Bea Cukai tidak pernah meminta transfer ke rekening pribadi.",
        "Paying with a billing code",
        "All customs charges are paid with a billing code (15 digits) at a bank, the post office or an official "
        "payment channel; the money goes straight to the state treasury and you get a state receipt number "
        "(NTPN). Customs never asks for a transfer to a personal account.",
    ),
    "scam": (
        "penipuan palsu transfer rekening pribadi",
        "Waspada penipuan mengatasnamakan Bea Cukai",
        "Bea Cukai tidak pernah meminta pembayaran ke rekening pribadi, melalui pesan berantai, atau dengan ancaman "
        "penahanan barang dalam hitungan jam. Pembayaran resmi hanya menggunakan kode billing. Jika Anda menerima "
        "pesan seperti itu, jangan transfer, simpan buktinya dan laporkan ke Bravo Bea Cukai 1500 225.",
        "Beware of scams in the name of customs",
        "Customs never asks for payment to a personal account, by chain message, or with threats to hold your "
        "goods within hours. Official payments use a billing code only. If you get such a message, do not pay, "
        "keep the evidence and report it to Bravo Bea Cukai 1500 225.",
    ),
    "scam-check": (
        "penipuan asli palsu cek pesan",
        "Apakah pesan ini benar dari Bea Cukai?",
        "Terima kasih sudah bertanya sebelum membayar. Pesan resmi Bea Cukai tidak meminta transfer ke rekening "
        "pribadi dan tidak dikirim dari nomor pribadi. Kirimkan kepada kami nomor resi atau AWB yang disebut dalam "
        "pesan, kami bantu cek statusnya. Pembayaran yang sah selalu memakai kode billing.",
        "Is this message really from customs?",
        "Thank you for asking before paying. Official customs messages never ask for a transfer to a personal "
        "account and are not sent from private numbers. Send us the consignment note or AWB number in the "
        "message and we will check its status. A genuine payment always uses a billing code.",
    ),
    "peb": (
        "ekspor peb pemberitahuan ekspor barang",
        "Pemberitahuan Ekspor Barang (PEB)",
        "Ekspor diberitahukan dengan PEB (BC 3.0) melalui sistem CEISA paling lambat sebelum barang masuk kawasan "
        "pabean. Siapkan invoice, packing list dan dokumen pelengkap. Untuk barang tertentu berlaku larangan, "
        "pembatasan atau bea keluar.",
        "Export declaration (PEB)",
        "Exports are declared with a PEB (BC 3.0) in the CEISA system, at the latest before the goods enter the "
        "customs area. Prepare the invoice, packing list and supporting documents. Some goods are subject to "
        "prohibitions, restrictions or export duty.",
    ),
    "export-clinic": (
        "ekspor umkm klinik pendampingan",
        "Klinik ekspor untuk UMKM",
        "Bea Cukai membuka klinik ekspor yang mendampingi UMKM: prosedur ekspor, pengisian PEB, fasilitas dan "
        "pencarian pembeli. Hubungi kantor Bea Cukai terdekat untuk jadwal konsultasi tanpa biaya.",
        "Export clinics for small businesses",
        "Customs runs export clinics that coach small businesses: export procedures, filling in the PEB, "
        "facilities and finding buyers. Contact the nearest customs office for a free consultation.",
    ),
    "pib": (
        "impor pib pemberitahuan impor barang",
        "Pemberitahuan Impor Barang (PIB)",
        "Impor umum diberitahukan dengan PIB (BC 2.0) melalui CEISA oleh importir yang memiliki NIB dengan akses "
        "kepabeanan. Bea masuk dan pajak dibayar dengan kode billing sebelum barang dikeluarkan, kecuali mendapat "
        "fasilitas. Nomor aju PIB terdiri dari 26 karakter.",
        "Import declaration (PIB)",
        "Ordinary imports are declared with a PIB (BC 2.0) in CEISA by an importer whose NIB has customs access. "
        "Duty and taxes are paid with a billing code before release, unless a facility applies. A PIB's "
        "submission number (nomor aju) has 26 characters.",
    ),
    "personal-import": (
        "impor pribadi pertama kali importir",
        "Impor untuk keperluan pribadi",
        "Barang untuk keperluan pribadi yang dikirim melalui kurir diproses sebagai barang kiriman tanpa perlu "
        "menjadi importir. Untuk barang dalam jumlah dagang, Anda perlu NIB dan PIB. Beri tahu kami jenis dan "
        "jumlah barangnya agar kami jelaskan jalur yang tepat.",
        "Importing for personal use",
        "Goods for personal use sent by courier are handled as shipments; you do not need to be an importer. For "
        "commercial quantities you need an NIB and a PIB. Tell us what and how much you import and we will "
        "explain the right route.",
    ),
    "bonded-zone": (
        "kawasan berikat fasilitas penangguhan",
        "Kawasan berikat",
        "Kawasan berikat adalah tempat penimbunan berikat untuk mengolah barang yang hasilnya terutama diekspor. "
        "Bahan baku yang masuk mendapat penangguhan bea masuk dan tidak dipungut pajak impor. Izinnya diajukan ke "
        "kantor Bea Cukai yang mengawasi lokasi pabrik.",
        "Bonded zones",
        "A bonded zone (kawasan berikat) is a bonded site for processing goods mainly for export. Raw materials "
        "entering it have import duty suspended and import taxes not collected. The licence is requested from "
        "the customs office that supervises the factory's location.",
    ),
    "temporary-import": (
        "impor sementara pameran alat",
        "Impor sementara",
        "Barang yang dimasukkan untuk sementara, misalnya untuk pameran, perbaikan atau proyek, dapat diberi "
        "fasilitas impor sementara dengan jaminan, dan harus diekspor kembali dalam jangka waktu yang ditetapkan. "
        "Ajukan permohonan ke kantor Bea Cukai tempat pemasukan sebelum barang tiba.",
        "Temporary import",
        "Goods brought in for a limited time, for example for an exhibition, repair or a project, can be given "
        "temporary import with a guarantee, and must be re-exported within the period set. Apply to the customs "
        "office of entry before the goods arrive.",
    ),
    "nppbkc": (
        "nppbkc izin cukai pabrik",
        "Izin cukai (NPPBKC)",
        "Pengusaha pabrik, importir, penyalur dan tempat penjualan eceran barang kena cukai wajib memiliki Nomor "
        "Pokok Pengusaha Barang Kena Cukai (NPPBKC). Permohonan diajukan ke kantor Bea Cukai yang mengawasi lokasi "
        "usaha, disertai izin usaha dan denah lokasi, lalu dilakukan pemeriksaan lokasi.",
        "Excise licence (NPPBKC)",
        "Manufacturers, importers, distributors and retailers of excisable goods must hold an excise licence "
        "(NPPBKC). Apply to the customs office that supervises the business's location, with the business "
        "licence and a site plan; the site is then inspected.",
    ),
    "excise-stamp": (
        "pita cukai rokok palsu asli",
        "Pita cukai",
        "Rokok, rokok elektrik dan minuman beralkohol yang dijual di Indonesia wajib dilekati pita cukai yang "
        "sesuai. Pita cukai asli memiliki hologram dan pengaman khusus. Rokok tanpa pita cukai atau dengan pita "
        "cukai palsu adalah ilegal; laporkan lokasi penjualannya kepada kami.",
        "Excise stamps",
        "Cigarettes, e-cigarettes and alcoholic drinks sold in Indonesia must carry the right excise stamp (pita "
        "cukai). A genuine stamp has a hologram and special security features. Cigarettes without a stamp or with "
        "a forged one are illegal; tell us where they are sold.",
    ),
    "e-cigarette": (
        "rokok elektrik vape liquid cukai",
        "Cukai rokok elektrik",
        "Rokok elektrik dan cairannya (liquid) termasuk hasil pengolahan tembakau lainnya yang kena cukai. Produk "
        "yang dijual wajib dilekati pita cukai dan produsen atau importirnya wajib memiliki NPPBKC.",
        "Excise on e-cigarettes",
        "E-cigarettes and their liquids are excisable tobacco products. Products on sale must carry an excise "
        "stamp, and their maker or importer must hold an excise licence (NPPBKC).",
    ),
    "hours": (
        "jam layanan kantor hari libur",
        "Jam layanan informasi",
        "Layanan informasi kami buka Senin–Kamis pukul 07.30–16.00 dan Jumat pukul 07.30–16.30 waktu setempat, "
        "kecuali hari libur nasional dan cuti bersama. Pesan di luar jam layanan kami jawab pada jam kerja "
        "berikutnya.",
        "Service hours",
        "Our information service is open Monday to Thursday 07:30–16:00 and Friday 07:30–16:30 local time, except "
        "on public holidays and joint-leave days. Messages sent outside these hours are answered on the next "
        "working hours.",
    ),
    "complaint": (
        "pengaduan sipuma keluhan",
        "Menyampaikan pengaduan",
        "Pengaduan atas layanan atau petugas Bea Cukai dapat disampaikan melalui SIPUMA, e-mail, Bravo Bea Cukai "
        "1500 225 atau langsung ke unit kepatuhan internal. Sertakan pokok masalah, tempat, waktu, pihak yang "
        "terlibat, kronologi dan bukti, serta nama dan kontak Anda. Anda akan menerima nomor register pengaduan.",
        "Making a complaint",
        "Complaints about a customs service or officer can be made through SIPUMA, e-mail, Bravo Bea Cukai 1500 225 "
        "or in person at the internal compliance unit. Give the matter, place, time, people involved, chronology "
        "and evidence, with your name and contact. You will receive a complaint register number.",
    ),
    "data-request": (
        "data identitas nik paspor permintaan",
        "Permintaan data untuk menindaklanjuti pertanyaan",
        "Agar kami dapat mengecek kasus Anda, mohon kirimkan nomor resi atau AWB, nomor dokumen (jika ada) dan nama "
        "sesuai paspor atau KTP. Jangan kirimkan PIN, kata sandi atau kode OTP; Bea Cukai tidak pernah memintanya.",
        "Data we need to follow up",
        "So that we can check your case, please send the consignment note or AWB number, the document number (if "
        "any) and your name as on your passport or ID card. Never send a PIN, password or OTP code; customs never "
        "asks for them.",
    ),
}
ANSWERS = list(KNOWLEDGE.values())


@dataclass(frozen=True)
class DemoQuestion:
    text: str
    answer: str  # the KNOWLEDGE entry that answers it
    language: str = "id"  # the language it is written in, and the answer's


# The demo's first messages. load_demo hands them out so that every one is answered once across the demo offices.
QUESTIONS = [
    DemoQuestion(
        "Selamat siang, paket saya dari Tiongkok statusnya 'data tidak ditemukan' di cek barang kiriman. "
        "Nomor resi AWB 123-12345675. Bagaimana ya?",
        "data-not-found",
    ),
    DemoQuestion(
        "Berapa batas pembebasan bea masuk untuk barang bawaan penumpang? Saya pulang dari Singapura minggu depan.",
        "allowance",
    ),
    DemoQuestion(
        "Hello, I'm a tourist flying to Bali next week. How many cigarettes and how much wine can I bring "
        "without paying excise?",
        "tobacco-alcohol",
        "en",
    ),
    DemoQuestion("Saya beli HP di luar negeri, bagaimana cara daftar IMEI? Apakah bisa di bandara?", "imei"),
    DemoQuestion("Kurir minta saya bayar biaya gudang, apakah itu dari Bea Cukai?", "warehouse-fee"),
    DemoQuestion(
        "Ada yang WA mengaku petugas bea cukai minta transfer ke rekening pribadi untuk tebus paket. Ini asli?",
        "scam",
    ),
    DemoQuestion(
        "Hi, I'm a tourist. What is the duty-free allowance for the things I bought abroad when I arrive in Jakarta?",
        "allowance",
        "en",
    ),
    DemoQuestion("Berapa batang rokok yang boleh dibawa dari luar negeri tanpa kena cukai?", "tobacco-alcohol"),
    DemoQuestion("Bagaimana cara mengurus NPPBKC untuk usaha liquid vape?", "nppbkc"),
    DemoQuestion("Mohon info prosedur ekspor untuk UMKM, apakah ada klinik ekspor?", "export-clinic"),
    DemoQuestion("Paket saya tertahan dan saya diminta invoice. Kirim ke mana ya?", "invoice"),
    DemoQuestion(
        "I bought a new phone in Singapore. Do I have to register its IMEI when I land in Indonesia?", "imei", "en"
    ),
    DemoQuestion(
        "Saya mau impor sementara alat musik untuk konser, bagaimana prosedurnya?",
        "temporary-import",
    ),
    DemoQuestion("Apakah minuman beralkohol 1 liter bebas cukai untuk penumpang?", "tobacco-alcohol"),
    DemoQuestion("Saya mau impor barang dagangan pertama kali. Dokumen pemberitahuan impornya apa?", "pib"),
    DemoQuestion(
        "I received a text saying my parcel is held by customs and I must pay to a personal bank account. "
        "Is this message really from you?",
        "scam-check",
        "en",
    ),
    DemoQuestion("Bagaimana cara mengisi e-CD (electronic customs declaration)?", "ecd"),
    DemoQuestion("Apakah pita cukai rokok bisa dicek keasliannya?", "excise-stamp"),
    DemoQuestion(
        "Saya lupa daftar IMEI waktu tiba di bandara bulan lalu, sekarang HP saya tidak dapat sinyal. Bagaimana?",
        "imei-late",
    ),
    DemoQuestion(
        "Hello, how do I fill in the electronic customs declaration (e-CD) before my flight to Indonesia?",
        "ecd",
        "en",
    ),
    DemoQuestion("Bagaimana cara melacak status paket kiriman dari luar negeri dengan nomor resi?", "tracking"),
    DemoQuestion("Saya belanja online dari luar negeri seharga USD 50, apakah kena bea masuk?", "shipment-duty"),
    DemoQuestion(
        "My parcel tracking on the customs website says 'data not found'. What does it mean?",
        "data-not-found",
        "en",
    ),
    DemoQuestion("Bagaimana cara membayar bea masuk? Apakah bisa transfer ke petugas?", "billing"),
]

# Requesters' names by the language they write in.
NAMES = {
    "id": [
        "Budi Santoso",
        "Siti Rahmawati",
        "Andi Pratama",
        "Dewi Lestari",
        "Agus Salim",
        "Rina Wijaya",
        "Yohanes Wenda",
        "Made Sukarta",
        "Nur Aisyah",
        "Hendra Gunawan",
        "Fitri Handayani",
        "Wayan Sudarma",
        "Maria Kambu",
        "Rudi Hartono",
        "Lina Marlina",
    ],
    "en": ["John Miller", "Emma Clarke", "Sarah Thompson", "David Chen", "Liam O'Brien", "Olivia Brown"],
}

GREETINGS = {
    "id": "Terima kasih telah menghubungi Bea Cukai. ",
    "en": "Thank you for contacting Indonesian Customs (Bea Cukai). ",
}


def answer_body(key: str, language: str) -> str:
    """The knowledge-base answer `key` in `language` (Indonesian unless English)."""
    _keywords, _title_id, body_id, _title_en, body_en = KNOWLEDGE[key]
    return body_en if language == "en" else body_id


def demo_reply(question: DemoQuestion) -> str:
    """The officer's answer to a demo question: its knowledge-base answer, in the question's language."""
    language = "en" if question.language == "en" else "id"
    return GREETINGS[language] + answer_body(question.answer, language)
