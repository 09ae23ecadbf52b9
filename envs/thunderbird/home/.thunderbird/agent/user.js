// Thunderbird preferences of every episode (read at each start, over prefs.js).
// No first-run wizard, start page, rights bar, default-client check, donation or in-app notices.
user_pref("mail.shell.checkDefaultClient", false);
user_pref("mailnews.start_page.enabled", false);
user_pref("mail.rights.override", true);
user_pref("mail.provider.enabled", false);
user_pref("mail.provider.suppress_dialog_on_startup", true);
user_pref("mail.accounthub.enabled", false);
user_pref("mail.inappnotifications.enabled", false);
user_pref("app.donation.eoy.version.viewed", 999);
user_pref("mail.ui.folderpane.view", 0);
// No telemetry, health report, update check, crash reporter or extension updates.
user_pref("datareporting.policy.dataSubmissionPolicyBypassNotification", true);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("toolkit.telemetry.archive.enabled", false);
user_pref("toolkit.crashreporter.enabled", false);
user_pref("toolkit.startup.max_resumed_crashes", -1);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("mail.instrumentation.postUrl", "");
user_pref("mail.instrumentation.askUser", false);
user_pref("mailnews.auto_config.fetchFromExchange.enabled", false);
// Stable screens: no blinking caret, no animations, no smooth scrolling, no spell checking while typing.
user_pref("ui.caretBlinkTime", 0);
user_pref("ui.prefersReducedMotion", 1);
user_pref("toolkit.cosmeticAnimations.enabled", false);
user_pref("general.smoothScroll", false);
user_pref("mail.spellcheck.inline", false);
user_pref("layout.spellcheckDefault", 0);
// Nothing that needs the network or a helper: no remote content, no search indexing of the messages, no
// biff notifications, no "mark read" delay (a message shown is read at once), calendar alarms off.
user_pref("mailnews.message_display.disable_remote_image", true);
user_pref("mailnews.database.global.indexer.enabled", false);
user_pref("mail.biff.show_alert", false);
user_pref("mail.biff.play_sound", false);
user_pref("mailnews.mark_message_read.delay", false);
user_pref("calendar.alarms.show", false);
user_pref("calendar.alarms.playsound", false);
user_pref("calendar.timezone.local", "UTC");
user_pref("calendar.timezone.useSystemTimezone", false);
// The accounts: Local Folders (server1) and "Office Mail" (server2, type none, the agent's mailbox with an
// identity so that replies and drafts can be written; its SMTP server is never reached).
user_pref("mail.accountmanager.accounts", "account2,account1");
user_pref("mail.accountmanager.defaultaccount", "account2");
user_pref("mail.accountmanager.localfoldersserver", "server1");
user_pref("mail.account.account1.server", "server1");
user_pref("mail.server.server1.type", "none");
user_pref("mail.server.server1.hostname", "Local Folders");
user_pref("mail.server.server1.name", "Local Folders");
user_pref("mail.server.server1.userName", "nobody");
user_pref("mail.server.server1.directory-rel", "[ProfD]Mail/Local Folders");
user_pref("mail.account.account2.server", "server2");
user_pref("mail.account.account2.identities", "id1");
user_pref("mail.server.server2.type", "none");
user_pref("mail.server.server2.hostname", "office.example");
user_pref("mail.server.server2.name", "Office Mail");
user_pref("mail.server.server2.userName", "agent");
user_pref("mail.server.server2.directory-rel", "[ProfD]Mail/office");
user_pref("mail.server.server2.check_new_mail", false);
user_pref("mail.server.server2.login_at_startup", false);
user_pref("mail.identity.id1.fullName", "Alex Morgan");
user_pref("mail.identity.id1.useremail", "alex.morgan@office.example");
user_pref("mail.identity.id1.smtpServer", "smtp1");
user_pref("mail.identity.id1.draft_folder", "mailbox://agent@office.example/Drafts");
user_pref("mail.identity.id1.drafts_folder_picker_mode", "1");
user_pref("mail.identity.id1.fcc_folder", "mailbox://agent@office.example/Sent");
user_pref("mail.identity.id1.fcc_folder_picker_mode", "1");
user_pref("mail.identity.id1.compose_html", false);
user_pref("mail.identity.id1.reply_on_top", 1);
user_pref("mail.identity.id1.sig_on_reply", false);
user_pref("mail.smtpservers", "smtp1");
user_pref("mail.smtpserver.smtp1.hostname", "127.0.0.1");
user_pref("mail.smtpserver.smtp1.port", 2525);
user_pref("mail.smtp.defaultserver", "smtp1");
// The message list as a table (one row per message, sortable columns), the message pane below it (its height in xulstore.json).
user_pref("mail.threadpane.listview", 1);
user_pref("mail.pane_config.dynamic", 0);
