# Sourced by ./attnc and ./run-tests: sets JAVA_HOME to a JDK 25 or newer, or explains and exits.
# Looks at $JAVA_HOME first, then the usual install places (Temurin, Debian/Ubuntu, SDKMAN, macOS).
attnc_java_version() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
attnc_find_jdk25() {
  local d v
  for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
           /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /opt/java/* "$HOME"/.sdkman/candidates/java/* \
           /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [[ -n $d && -x $d/bin/java && -x $d/bin/javac ]] || continue
    v=$(attnc_java_version "$d")
    if [[ -n $v && $v -ge 25 ]]; then export JAVA_HOME=$d; return 0; fi
  done
  echo "attnc needs a JDK 25 or newer (javac included). None was found in JAVA_HOME or /usr/lib/jvm." >&2
  echo "Install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
}
attnc_find_jdk25
export PATH=$JAVA_HOME/bin:$PATH
