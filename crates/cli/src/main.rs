//! The `drawbridge` command: every way in to the app.
//!
//! With no command it runs the local web app (`serve`). Other commands log and
//! list urges, manage the passphrase, export and import, and print crisis lines.
//! Errors go to stderr with a hint and a non-zero exit code: 2 for a wrong or
//! missing passphrase or key (and for usage errors), 1 for anything else.

mod admin;
mod config;
mod data;
mod importers;
mod input;
mod journal;

mod moment;
mod open;
mod passphrase;
mod people;
mod practice;
mod quiz;
mod search;
mod serve;
mod stories;
mod system;
mod urges;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use drawbridge_store::StoreError;

/// drawbridge: a private practice companion for people who crave closeness and push people away.
///
/// Run it with no command to open the app in your browser. It is for
/// self-reflection and practice; it is not therapy, not a diagnosis and not
/// for emergencies (see `drawbridge help-now`).
#[derive(Parser)]
#[command(name = "drawbridge", version, about, long_about, propagate_version = true)]
struct Cli {
    /// Keep the database, key file and config together in DIR.
    #[arg(long, global = true, env = "DRAWBRIDGE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Keep the data in this PostgreSQL database instead of the local file
    /// (postgres://user:password@host:5432/database). The key file stays in
    /// the data or config folder, and seals your words there. The URL can
    /// also come from a file named by DRAWBRIDGE_DATABASE_URL_FILE.
    #[arg(long, global = true, env = "DRAWBRIDGE_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: Option<String>,

    /// How log lines are written to standard error: text, for people, or
    /// json, one object a line with a request id, for a log collector. Logs
    /// never hold anything a person wrote (DRAWBRIDGE_LOG sets how much).
    #[arg(long, global = true, env = "DRAWBRIDGE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app on this computer and open it in your browser.
    Serve(serve::ServeArgs),
    /// Log an urge to pull away (one command, nothing else required).
    Urge(urges::UrgeArgs),
    /// List logged urges, newest first.
    Urges(urges::ListArgs),
    /// Today's practice: your stage, the day's suggestion and why, follow-ups, the program day.
    Today(practice::TodayArgs),
    /// List the experiment library.
    Experiments(practice::ExperimentsArgs),
    /// Plan, follow up or log a behavioural experiment.
    Experiment {
        #[command(subcommand)]
        action: practice::ExperimentAction,
    },
    /// The evidence ledger: how often the feared outcome came true, and what you learned.
    Ledger(practice::TodayArgs),
    /// Show or choose your stage on the needs gradient, or calibrate where to start.
    Stage(practice::StageArgs),
    /// Show or set your window of tolerance.
    Window(practice::WindowArgs),
    /// Start, follow or check off a program such as the 7-day connection challenge.
    Challenge {
        #[command(subcommand)]
        action: practice::ChallengeAction,
    },
    /// Write the reminder calendar (iCalendar) for your calendar app.
    Calendar(practice::CalendarArgs),
    /// Take a questionnaire in the terminal, or score answers from a file.
    Quiz(quiz::QuizArgs),
    /// Show your latest quiz result as a profile, with changes over time.
    Profile(quiz::ProfileArgs),
    /// List, add or word the questionnaires drawbridge can use.
    Instrument {
        #[command(subcommand)]
        action: quiz::InstrumentAction,
    },
    /// Your journal: list entries, or write, show, edit or delete one.
    Journal(journal::JournalArgs),
    /// The questions to write from, theme by theme.
    Prompts(journal::PromptsArgs),
    /// Find anything you wrote: journal, resets, urge notes, experiments, reflections.
    Search(search::SearchArgs),
    /// The protective-story cards beside your entries and resets: how many, and putting one away.
    Stories(stories::StoriesArgs),
    /// The people in your life: how each is doing, who is drifting, replies owed.
    People(people::PeopleArgs),
    /// Add, change, show or remove someone; mark a sign of safety; note a contact.
    Person {
        #[command(subcommand)]
        action: people::PersonAction,
    },
    /// Note a reply you owe someone.
    Owe(people::OweArgs),
    /// Close the oldest reply owed to someone.
    Replied(people::RepliedArgs),
    /// Past relationships and friendships: add, list or remove one.
    Past {
        #[command(subcommand)]
        action: people::PastAction,
    },
    /// Where you have pulled away before, across past relationships.
    Pattern(people::PatternArgs),
    /// Show crisis lines for your region and your safety plan.
    HelpNow(urges::HelpNowArgs),
    /// When the urge to pull away fires: the five-minute pause (or --short, --grounding, --parts).
    Pause(moment::PauseArgs),
    /// Words to say instead of going quiet, by group.
    Scripts(moment::ScriptsArgs),
    /// After something went badly: the capacity sentence and a three-column reset.
    Reset(moment::ResetArgs),
    /// Write an unsent letter in the terminal; it is never stored or sent.
    Letter,
    /// Read text on standard input and say whether it would bring up the crisis panel.
    Scan(moment::ScanArgs),
    /// Show or write your personal safety plan.
    SafetyPlan {
        #[command(subcommand)]
        action: Option<moment::PlanAction>,
    },
    /// Protect your data with a passphrase, change it, or remove it.
    Passphrase {
        #[command(subcommand)]
        action: passphrase::Action,
    },
    /// Write all your data to a JSON file (or to standard output).
    Export(data::ExportArgs),
    /// Bring back data from an export file; importing twice adds nothing.
    Import(data::ImportArgs),
    /// Check your data: the key file, the database, and every page of it.
    Doctor,
    /// A server's accounts and invitations (serve --server).
    Admin {
        #[command(subcommand)]
        action: admin::AdminAction,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// An error with words for the person and a next step.
#[derive(Debug)]
pub struct UserError {
    pub message: String,
    pub hint: String,
    pub code: u8,
}

impl UserError {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hint: hint.into(),
            code: 1,
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// What a command needs from the process around it.
pub struct Ctx {
    pub paths: config::Paths,
    pub file: config::FileConfig,
    /// The person's UTC offset, read before any thread starts.
    pub local_offset: time::UtcOffset,
}

fn main() -> ExitCode {
    // Must happen while the process has one thread: the time crate refuses
    // to read the local offset later, for soundness.
    let local_offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    match run(cli, local_offset) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    JSON_LOGS.store(format == LogFormat::Json, std::sync::atomic::Ordering::Relaxed);
    let filter = EnvFilter::try_from_env("DRAWBRIDGE_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(use_color())
            .without_time()
            .try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init(),
    };
}

/// Whether log lines are JSON (`--log-format json`): then the notices
/// below are JSON lines too, so a log collector reads every line.
static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A notice for whoever started drawbridge (where the data was created,
/// that the server stopped), on standard error: as it is, or, with
/// `--log-format json`, as one JSON line shaped like the log's own.
pub fn notice(message: impl std::fmt::Display) {
    if JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed) {
        let at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        eprintln!(
            "{}",
            serde_json::json!({"timestamp": at, "level": "INFO", "message": message.to_string(), "target": "drawbridge"})
        );
    } else {
        eprintln!("{message}");
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

fn run(cli: Cli, local_offset: time::UtcOffset) -> anyhow::Result<()> {
    if let Some(Command::Completions { shell }) = &cli.command {
        clap_complete::generate(*shell, &mut Cli::command(), "drawbridge", &mut std::io::stdout());
        return Ok(());
    }
    let mut paths = config::Paths::resolve(cli.data_dir.as_deref())?;
    let file = config::FileConfig::load(&paths.config)?;
    // A secret may come from a file (a container's or systemd's secrets):
    // the flag and DRAWBRIDGE_DATABASE_URL win over it, and it over the config.
    let from_file = match (&cli.database_url, std::env::var_os("DRAWBRIDGE_DATABASE_URL_FILE")) {
        (None, Some(f)) if !f.is_empty() => Some(config::secret_from_file(Path::new(&f), "DRAWBRIDGE_DATABASE_URL_FILE")?),
        _ => None,
    };
    paths.database_url = cli
        .database_url
        .or(from_file)
        .or_else(|| file.database_url.clone())
        .filter(|u| !u.is_empty());
    let ctx = Ctx { paths, file, local_offset };
    // A command, or one person's app, needs one thread; a server of many
    // people uses every core.
    let rt = match &cli.command {
        Some(Command::Serve(a)) if a.is_server() => tokio::runtime::Builder::new_multi_thread().enable_all().build()?,
        _ => tokio::runtime::Builder::new_current_thread().enable_all().build()?,
    };
    rt.block_on(async move {
        match cli.command {
            None => serve::run(&ctx, serve::ServeArgs::default()).await,
            Some(Command::Serve(args)) => serve::run(&ctx, args).await,
            Some(Command::Urge(args)) => urges::log(&ctx, args).await,
            Some(Command::Urges(args)) => urges::list(&ctx, args).await,
            Some(Command::HelpNow(args)) => urges::help_now(&ctx, args).await,
            Some(Command::People(args)) => people::list(&ctx, args).await,
            Some(Command::Person { action }) => people::person(&ctx, action).await,
            Some(Command::Owe(args)) => people::owe(&ctx, args).await,
            Some(Command::Replied(args)) => people::replied(&ctx, args).await,
            Some(Command::Past { action }) => people::past(&ctx, action).await,
            Some(Command::Pattern(args)) => people::pattern(&ctx, args).await,
            Some(Command::Journal(args)) => journal::run(&ctx, args).await,
            Some(Command::Prompts(args)) => journal::prompts(args),
            Some(Command::Stories(args)) => stories::run(&ctx, args).await,
            Some(Command::Search(args)) => search::run(&ctx, args).await,
            Some(Command::Doctor) => data::doctor(&ctx).await,
            Some(Command::Admin { action }) => admin::run(&ctx, action).await,
            Some(Command::Pause(args)) => moment::pause(&ctx, args).await,
            Some(Command::Scripts(args)) => moment::scripts(args),
            Some(Command::Reset(args)) => moment::reset(&ctx, args).await,
            Some(Command::Letter) => moment::letter(),
            Some(Command::Scan(args)) => moment::scan(args),
            Some(Command::SafetyPlan { action }) => moment::safety_plan(&ctx, action).await,
            Some(Command::Quiz(args)) => quiz::quiz(&ctx, args).await,
            Some(Command::Today(args)) => practice::today(&ctx, args).await,
            Some(Command::Experiments(args)) => practice::experiments(&ctx, args).await,
            Some(Command::Experiment { action }) => practice::experiment(&ctx, action).await,
            Some(Command::Ledger(args)) => practice::ledger(&ctx, args).await,
            Some(Command::Stage(args)) => practice::stage(&ctx, args).await,
            Some(Command::Window(args)) => practice::window(&ctx, args).await,
            Some(Command::Challenge { action }) => practice::challenge(&ctx, action).await,
            Some(Command::Calendar(args)) => practice::calendar(&ctx, args).await,
            Some(Command::Profile(args)) => quiz::profile(&ctx, args).await,
            Some(Command::Instrument { action }) => quiz::instrument(&ctx, action).await,
            Some(Command::Passphrase { action }) => passphrase::run(&ctx, action).await,
            Some(Command::Export(args)) => data::export(&ctx, args).await,
            Some(Command::Import(args)) => data::import(&ctx, args).await,
            Some(Command::Completions { .. }) => Ok(()),
        }
    })
}

fn report(e: &anyhow::Error) -> ExitCode {
    // Output piped into `head` and closed early is not an error worth a word.
    if e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    let (message, hint, code) = if let Some(u) = e.downcast_ref::<UserError>() {
        (u.message.clone(), Some(u.hint.clone()).filter(|h| !h.is_empty()), u.code)
    } else if let Some(s) = e.downcast_ref::<StoreError>() {
        (s.to_string(), s.hint(), if s.is_key_problem() { 2 } else { 1 })
    } else {
        (format!("{e:#}"), None, 1)
    };
    let (red, dim, reset) = if use_color() {
        ("\x1b[1;31m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    eprintln!("{red}error:{reset} {message}");
    if let Some(h) = hint {
        eprintln!("{dim}hint:{reset} {h}");
    }
    ExitCode::from(code)
}
