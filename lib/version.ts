/** The version of cdt, as `--version` prints it. Raised with each release of the tools. */
export const VERSION = "0.5.0";
