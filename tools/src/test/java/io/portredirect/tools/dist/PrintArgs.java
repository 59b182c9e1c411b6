package io.portredirect.tools.dist;

/** A main class for launcher tests: prints its arguments and a few system properties, exits as told. */
public final class PrintArgs {
    private PrintArgs() {
    }

    public static void main(String[] args) {
        for (String a : args) {
            System.out.println("arg=" + a);
        }
        for (String p : new String[] {"rd.a", "rd.b", "portredirect.home", "portredirect.root"}) {
            System.out.println(p + "=" + System.getProperty(p));
        }
        String code = System.getenv("PRINTARGS_EXIT");
        System.exit(code == null ? 0 : Integer.parseInt(code));
    }
}
