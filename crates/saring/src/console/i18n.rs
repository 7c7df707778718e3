//! The console's two languages: Indonesian (the default) and English.

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Bahasa Indonesia.
    Id,
    /// English.
    En,
}

impl Lang {
    /// Parses `id` or `en`; anything else is Indonesian.
    pub fn parse(s: &str) -> Self {
        if s == "en" { Self::En } else { Self::Id }
    }

    /// The code used in cookies and `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    /// The translation of `key` (the key itself when unknown, so a gap shows, never breaks).
    pub fn t(self, key: &str) -> &str {
        let (id, en) = match key {
            "title" => ("Saring — konsol moderasi", "Saring — moderation console"),
            "login" => ("Masuk", "Sign in"),
            "logout" => ("Keluar", "Sign out"),
            "username" => ("Nama pengguna", "Username"),
            "password" => ("Kata sandi", "Password"),
            "login_failed" => (
                "Nama pengguna atau kata sandi salah.",
                "Wrong username or password.",
            ),
            "queue" => ("Antrean tinjauan", "Review queue"),
            "appeals" => ("Banding", "Appeals"),
            "audit" => ("Log audit", "Audit log"),
            "case" => ("Kasus", "Case"),
            "account" => ("Akun", "Account"),
            "score" => ("Skor", "Score"),
            "flags" => ("Tanda", "Flags"),
            "status" => ("Status", "Status"),
            "deadline" => ("Tenggat", "Deadline"),
            "opened" => ("Dibuka", "Opened"),
            "location" => ("Lokasi", "Location"),
            "claim" => ("Ambil", "Claim"),
            "claimed_by" => ("Diambil oleh", "Claimed by"),
            "release" => ("Lepaskan", "Release"),
            "filter" => ("Saring", "Filter"),
            "all" => ("Semua", "All"),
            "no_cases" => ("Tidak ada kasus.", "No cases."),
            "evidence" => ("Bukti", "Evidence"),
            "signals" => ("Sinyal", "Signals"),
            "how_scored" => ("Bagaimana skor dihitung", "How the score was reached"),
            "history" => ("Riwayat akun", "Account history"),
            "prior_cases" => ("Kasus sebelumnya", "Earlier cases"),
            "recommendation" => ("Rekomendasi", "Recommendation"),
            "decide" => ("Putuskan", "Decide"),
            "action" => ("Tindakan", "Action"),
            "ground" => ("Dasar kebijakan", "Policy ground"),
            "note" => ("Catatan", "Note"),
            "submit_decision" => ("Simpan keputusan", "Record decision"),
            "sor_preview" => (
                "Pratinjau pernyataan alasan",
                "Statement of reasons preview",
            ),
            "orders" => ("Perintah penegakan", "Enforcement orders"),
            "blur" => ("Samarkan teks", "Blur text"),
            "protection" => (
                "Tanda risiko anak atau perdagangan orang: rujuk ke layanan perlindungan.",
                "Minor-risk or trafficking signs: refer to protection services.",
            ),
            "verify" => ("Verifikasi rantai", "Verify chain"),
            "chain_ok" => ("Rantai audit utuh", "Audit chain intact"),
            "chain_broken" => ("Rantai audit RUSAK", "Audit chain BROKEN"),
            "purged" => (
                "(konten telah dihapus sesuai retensi)",
                "(content purged after retention)",
            ),
            "decide_appeal" => ("Putuskan banding", "Decide appeal"),
            "uphold" => ("Pertahankan", "Uphold"),
            "reverse" => ("Batalkan", "Reverse"),
            "reason" => ("Alasan", "Reason"),
            "no_appeals" => ("Tidak ada banding.", "No appeals."),
            "dashboard" => ("Dasbor", "Dashboard"),
            "requests" => ("Permintaan", "Requests"),
            "requests_hint" => (
                "Permintaan dan laporan instansi Anda, dengan status kasus dan sisa waktu tenggat. Isi konten tidak ditampilkan di sini.",
                "Your office's requests and reports, with the cases' status and the time left to their deadlines. Content is not shown here.",
            ),
            "no_requests" => ("Belum ada permintaan.", "No requests yet."),
            "filed" => ("Diajukan", "Filed"),
            "closed" => ("Ditutup", "Closed"),
            "time_left" => ("Sisa waktu", "Time left"),
            "platform" => ("Platform", "Platform"),
            "not_found" => ("tidak ditemukan", "not found"),
            "not_found_hint" => (
                "Halaman atau kasus ini tidak ada, atau bukan milik platform Anda.",
                "This page or case does not exist, or is not your platform's.",
            ),
            "hidden_char" => (
                "Karakter tak terlihat yang mengubah urutan atau memecah teks; ditampilkan sebagai kodenya.",
                "An invisible character that reorders or splits text; shown as its code.",
            ),
            "account_status" => ("Status akun", "Account status"),
            "items" => ("Item", "Items"),
            "items_scored" => ("Item dinilai", "Items scored"),
            "items_flagged" => ("Item ditandai", "Items flagged"),
            "first_seen" => ("Pertama terlihat", "First seen"),
            "last_seen" => ("Terakhir terlihat", "Last seen"),
            "decisions" => ("Keputusan", "Decisions"),
            "network" => ("Jaringan akun", "Account network"),
            "network_none" => (
                "Tidak ada akun lain yang terhubung.",
                "No other account is linked.",
            ),
            "network_truncated" => (
                "Jaringan lebih besar; hanya sebagian ditampilkan.",
                "The network is larger; only part is shown.",
            ),
            "linked_by" => ("Terhubung karena", "Linked by"),
            "network_freeze" => ("Bekukan seluruh jaringan", "Freeze the whole network"),
            "network_freeze_note" => (
                "Perlu persetujuan moderator kedua.",
                "Needs a second moderator's approval.",
            ),
            "network_pending" => (
                "Pembekuan jaringan menunggu persetujuan",
                "Network freeze waiting for approval",
            ),
            "approve" => ("Setujui", "Approve"),
            "reject" => ("Tolak", "Reject"),
            "reversed_on_appeal" => ("dibatalkan lewat banding", "reversed on appeal"),
            "reports" => ("Laporan", "Reports"),
            "case_history" => ("Riwayat kasus", "Case history"),
            "attempts" => ("Percobaan", "Attempts"),
            "created" => ("Dibuat", "Created"),
            "delivered" => ("Terkirim", "Delivered"),
            "last_error" => ("Galat terakhir", "Last error"),
            "days" => ("Hari", "Days"),
            "dashboard_window" => (
                "Hari kalender UTC terakhir, termasuk hari ini",
                "Last UTC calendar days, today included",
            ),
            "items_per_day" => ("Item dinilai per hari", "Items scored per day"),
            "flagged_rate" => ("Tingkat item ditandai", "Flagged rate"),
            "share" => ("proporsi", "share"),
            "decisions_by_type" => ("Keputusan menurut jenis", "Decisions by type"),
            "time_to_decision" => ("Waktu sampai keputusan", "Time to decision"),
            "appeal_reversals" => ("Hasil banding", "Appeal outcomes"),
            "reversal_rate" => ("Tingkat pembatalan banding", "Appeal reversal rate"),
            "order_delivery" => (
                "Pengiriman perintah penegakan",
                "Enforcement order delivery",
            ),
            "orders_short" => ("perintah", "orders"),
            "order_failures" => ("Perintah gagal terkirim", "Order delivery failures"),
            "all_platforms" => ("semua platform", "all platforms"),
            "per_location" => ("Per lokasi", "Per location"),
            "suppressed_hint" => (
                "Angka di bawah k disembunyikan, dan seluruh baris bila akunnya kurang dari k, agar tidak ada kelompok kecil yang bisa dikenali.",
                "Counts below k are withheld, and whole rows with fewer than k accounts, so no small group can be singled out.",
            ),
            "no_locations" => ("Belum ada data lokasi.", "No location data yet."),
            "report_downloads" => ("Unduh laporan", "Download reports"),
            "reports_hint" => (
                "Untuk jendela dasbor ini, dalam UTC. Laporan lokasi mencakup minggu ISO penuh dan menyembunyikan angka di bawah k; docs/reports.md menjelaskan setiap kolom.",
                "For this dashboard's window, in UTC. The location report covers whole ISO weeks and withholds counts below k; docs/reports.md explains every field.",
            ),
            "report_transparency" => ("Laporan transparansi (CSV)", "Transparency report (CSV)"),
            "report_statements" => (
                "Pernyataan alasan, format DSA (NDJSON)",
                "Statements of reasons, DSA format (NDJSON)",
            ),
            "report_locations" => (
                "Laporan lokasi per minggu (CSV)",
                "Weekly location report (CSV)",
            ),
            "accounts" => ("Akun", "Accounts"),
            "cases_opened" => ("Kasus dibuka", "Cases opened"),
            "language" => ("English", "Bahasa Indonesia"),
            "keys" => (
                "Tombol: j/k pindah, Enter buka",
                "Keys: j/k move, Enter opens",
            ),
            "incoming_requests" => ("Permintaan instansi", "Authority requests"),
            "incoming_hint" => (
                "Permintaan regulator dan laporan polisi yang menyebut akun platform Anda. Tindak lanjuti lewat kasusnya, atau tolak satu akun dengan alasan yang dibaca instansi.",
                "The regulator's requests and police reports naming your platform's accounts. Act through the case, or reject one account with a reason the authority reads.",
            ),
            "file_request" => ("Ajukan permintaan", "File a request"),
            "accounts_hint" => (
                "satu per baris: platform akun (mis. michat akun123)",
                "one per line: platform account (e.g. michat acc123)",
            ),
            "legal_ground" => ("Dasar hukum", "Legal ground"),
            "category" => ("Kategori", "Category"),
            "reference" => ("Nomor surat", "Reference"),
            "urgency" => ("Urgensi", "Urgency"),
            "urgency_normal" => ("Normal (24 jam)", "Normal (24 hours)"),
            "urgency_urgent" => ("Mendesak (4 jam)", "Urgent (4 hours)"),
            "answered" => ("Dijawab", "Answered"),
            "outcome" => ("Hasil", "Outcome"),
            "single_reports" => ("Laporan tunggal", "Single reports"),
            "authority_requests" => (
                "Permintaan instansi atas kasus ini",
                "Authority requests on this case",
            ),
            "reject_request" => ("Tolak permintaan", "Reject request"),
            "compliance" => ("Laporan kepatuhan", "Compliance report"),
            "compliance_hint" => (
                "Akun dalam permintaan takedown regulator yang diterima pada periode ini, dan statusnya sekarang. Tepat waktu: dijawab sebelum tenggat.",
                "Accounts in the regulator's takedown requests received in the period, and where they stand now. In time: answered by the deadline.",
            ),
            "from" => ("Dari", "From"),
            "to" => ("Sampai", "To"),
            "total" => ("Jumlah", "Total"),
            "received" => ("Diterima", "Received"),
            "acted_in_time" => ("Ditindak tepat waktu", "Acted on in time"),
            "acted_late" => ("Ditindak terlambat", "Acted on late"),
            "rejected" => ("Ditolak", "Rejected"),
            "rejected_late" => ("Ditolak terlambat", "Rejected late"),
            "pending" => ("Menunggu", "Pending"),
            "overdue" => ("Lewat tenggat", "Overdue"),
            "median_response" => ("Median waktu jawab", "Median time to answer"),
            "reject_reasons" => ("Alasan penolakan", "Rejection reasons"),
            "protection_report" => ("Laporan perlindungan", "Protection report"),
            "protection_hint" => (
                "Kasus dengan tanda risiko anak atau perdagangan orang yang dibuka pada periode ini, dan rujukannya. Hanya angka, tidak ada individu.",
                "Cases with minor-risk or trafficking signs opened in the period, and their referrals. Counts only, never an individual.",
            ),
            "protection_cases" => ("Kasus perlindungan", "Protection cases"),
            "decided" => ("Diputus", "Decided"),
            "referrals_made" => ("Dirujuk", "Referred"),
            "no_referral" => ("Tidak dirujuk", "Not referred"),
            "not_recorded" => ("Tanpa catatan rujukan", "No referral record"),
            "by_kind" => ("Menurut layanan", "By service"),
            "median_to_referral" => ("Median waktu sampai rujukan", "Median time to referral"),
            "referral_panel" => ("Jalur perlindungan", "Protection route"),
            "no_contacts" => (
                "Belum ada layanan yang dikonfigurasi ([protection] contacts; lihat docs/configuration.md).",
                "No services configured yet ([protection] contacts; see docs/configuration.md).",
            ),
            "referral_required" => (
                "Keputusan atas kasus ini wajib mencatat apakah kasus dirujuk ke layanan perlindungan.",
                "The decision on this case must record whether it was referred to a protection service.",
            ),
            "referral" => ("Rujukan", "Referral"),
            "referral_yes" => ("Sudah dirujuk", "Referred"),
            "referral_no" => ("Tidak dirujuk", "Not referred"),
            "referral_to" => ("Dirujuk ke", "Referred to"),
            "referral_kind" => ("Jenis layanan", "Kind of service"),
            "referral_note" => (
                "Catatan (wajib bila tidak dirujuk: mengapa)",
                "Note (required when not referred: why)",
            ),
            _ => (key, key),
        };
        match self {
            Self::Id => id,
            Self::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_is_the_default_and_both_languages_differ() {
        assert_eq!(Lang::parse("fr"), Lang::Id);
        assert_eq!(Lang::Id.t("queue"), "Antrean tinjauan");
        assert_eq!(Lang::En.t("queue"), "Review queue");
        assert_eq!(Lang::En.t("unknown-key"), "unknown-key");
    }
}
