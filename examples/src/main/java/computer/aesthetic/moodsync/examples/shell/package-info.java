/**
 * The wiring shared by the JShell operations scripts in {@code examples/jshell/}: {@link
 * computer.aesthetic.moodsync.examples.shell.Ops} connects to MongoDB and the PDS from environment variables and
 * closes everything when a script ends. Not API: never deployed.
 *
 * <p>Values are non-null unless documented.
 */
package computer.aesthetic.moodsync.examples.shell;
