import Logging
import PollenServer

/// The logger of the privacy wrappers and middleware.
let privacyLogger = Logger.pollen("pollen.privacy")
