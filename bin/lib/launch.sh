# shellcheck shell=sh
# shellcheck disable=SC2154  # main and self are set by the launcher that sources this file
# Shared body of the source-checkout launchers bin/rdtool, bin/redirect-balancer,
# bin/redirect-client-agent and bin/redirect-server-agent (POSIX sh, sourced, not run).
# The launcher sets:  main  (the picocli main class)  and  self  (its own path, symlinks resolved).
#
# Runs the program from the modules' jars and their dependencies, as listed by the build in
# tools/target/classpath/<program>. Builds first (mvn -q -o package -DskipTests, online when the
# offline build fails) when that list is missing, names a jar that is gone, or is older than a
# pom.xml or a file under */src/main. When a rebuild after a change fails, the previous build
# runs, after a loud warning.
#
# Environment:
#   JAVA_HOME               the Java 17+ runtime to use (default: `java` on PATH)
#   PORTREDIRECT_JAVA_OPTS  extra JVM options, split on blanks
#   PORTREDIRECT_MVN        the Maven command (default: mvn)
#   PORTREDIRECT_NO_BUILD   set to 1 to never build; run what is there
# Exit status: the program's; 1 when Java is missing or the build fails.

prog=$(basename -- "$self")
root=$(cd -P -- "$(dirname -- "$self")/.." && pwd) || exit 1
cpfile=$root/tools/target/classpath/$prog

die() {
    echo "$prog: $*" >&2
    exit 1
}

if [ -n "${JAVA_HOME:-}" ]; then
    java=$JAVA_HOME/bin/java
    [ -x "$java" ] || die "JAVA_HOME is '$JAVA_HOME' but $java is not executable; point JAVA_HOME at a Java 17+ runtime or unset it to use java from PATH"
else
    java=$(command -v java 2>/dev/null) || java=
    [ -n "$java" ] || die "no Java runtime found: install Java 17 or later (Debian: apt install default-jdk-headless) or set JAVA_HOME"
fi

# True when the classpath list exists and every jar it names is there.
list_usable() {
    [ -s "$cpfile" ] || return 1
    old_ifs=$IFS
    IFS=:
    # shellcheck disable=SC2013  # the list is one line of ':'-separated paths, split on IFS=: on purpose
    for entry in $(cat "$cpfile"); do
        if [ ! -e "$entry" ]; then
            IFS=$old_ifs
            return 1
        fi
    done
    IFS=$old_ifs
}

# Prints why a build is needed, or nothing when the classpath list is usable and current.
build_reason() {
    if [ ! -s "$cpfile" ]; then
        echo "first use"
    elif ! list_usable; then
        echo "a jar of the last build is gone"
    else
        newer=$(find "$root" \( -name target -o -name .git -o -name dist -o -name node_modules \) -prune -o \
            -type f \( -name pom.xml -o -path '*/src/main/*' \) -newer "$cpfile" -print 2>/dev/null | head -n 1)
        if [ -n "$newer" ]; then
            echo "${newer#"$root"/} changed"
        fi
    fi
}

build() {
    mvn_cmd=${PORTREDIRECT_MVN:-mvn}
    command -v "$mvn_cmd" >/dev/null 2>&1 || die "cannot build: Maven ('$mvn_cmd') not found; install maven or set PORTREDIRECT_MVN"
    mkdir -p "$root/tools/target" || die "cannot create $root/tools/target"
    # one build at a time when several launchers start together (e.g. a demo)
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$root/tools/target/.launcher-build.lock"
        flock 9
        reason=$(build_reason)
        if [ -z "$reason" ]; then
            exec 9>&-
            return
        fi
    fi
    echo "$prog: building portredirect ($1): $mvn_cmd -q -o package -DskipTests" >&2
    log=$root/tools/target/.launcher-build.log
    if ! (cd "$root" && "$mvn_cmd" -q -o package -DskipTests) >"$log" 2>&1; then
        echo "$prog: offline build failed; retrying online" >&2
        if ! (cd "$root" && "$mvn_cmd" -q package -DskipTests) >&2; then
            echo "$prog: offline build output (last lines of $log):" >&2
            tail -n 30 "$log" >&2
            if list_usable; then
                # sources changed but do not build (yet): say so loudly and run the last good build
                echo "$prog: BUILD FAILED; running the previous build ($(date -r "$cpfile" '+%F %T' 2>/dev/null))" >&2
                exec 9>&-
                return
            fi
            die "build failed"
        fi
    fi
    exec 9>&-
    [ -s "$cpfile" ] || die "the build did not write $cpfile (was it run with -DskipDist?)"
}

if [ "${PORTREDIRECT_NO_BUILD:-0}" != 1 ]; then
    reason=$(build_reason)
    if [ -n "$reason" ]; then
        build "$reason"
    fi
fi
[ -s "$cpfile" ] || die "$cpfile is missing: build with 'mvn package' in $root"

classpath=$(cat "$cpfile")
# PORTREDIRECT_JAVA_OPTS is split into words on purpose; never glob-expanded
set -f
# shellcheck disable=SC2086
exec "$java" ${PORTREDIRECT_JAVA_OPTS:-} -Dportredirect.root="$root" -cp "$classpath" "$main" "$@"
