# SPDX-License-Identifier: ISC
# Sourced by tests/stack/igconnect-stack: the env-file reader and the
# environment the programs run with (stack.env).

# Only the variables igconnect reads are taken from the env file or passed
# on to the programs; a seed app's .env also holds unrelated settings.
is_ours() {
	case $1 in
	DATABASE_URL | DATABASE_URL_FILE | JWT_SECRET | JWT_SECRET_FILE) return 0 ;;
	INSTAGRAM_* | FACEBOOK_* | IGCONNECT_*) return 0 ;;
	ASAN_OPTIONS | UBSAN_OPTIONS | LSAN_OPTIONS) return 0 ;; # SAN=1 builds
	esac
	return 1
}

# Reads an env file of NAME=VALUE lines, as dotenv does for the seed apps:
# "# comments", blank lines, an optional "export ", values optionally in
# single or double quotes (taken literally: no escapes, no $expansion),
# " #" starting a comment after an unquoted value.  Nothing in it is run as
# shell code, and a variable already in the environment is kept.
load_env_file() {
	ef=$1
	[ -f "$ef" ] || return 0
	if [ -n "$(find "$ef" -prune \( -perm -020 -o -perm -002 \) -print)" ]; then
		die "$ef is writable by group or others; refusing to read it"
	fi
	if [ -n "$(find "$ef" -prune \( -perm -040 -o -perm -004 \) -print)" ]; then
		warn "$ef holds secrets but others may read it (chmod 600 $ef)"
	fi
	cr=$(printf '\r')
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%"$cr"}
		line=${line#"${line%%[![:space:]]*}"}
		case $line in '' | '#'*) continue ;; esac
		case $line in
		export[[:space:]]*)
			line=${line#export}
			line=${line#"${line%%[![:space:]]*}"}
			;;
		esac
		case $line in
		*=*) ;;
		*)
			warn "$ef:$n: not NAME=VALUE; ignored"
			continue
			;;
		esac
		name=${line%%=*}
		name=${name%"${name##*[![:space:]]}"}
		val=${line#*=}
		val=${val#"${val%%[![:space:]]*}"}
		case $name in
		'' | [0-9]* | *[!A-Za-z0-9_]*)
			warn "$ef:$n: invalid variable name; ignored"
			continue
			;;
		esac
		case $val in
		\"*)
			val=${val#\"}
			case $val in
			*\"*) val=${val%%\"*} ;;
			*)
				warn "$ef:$n: unterminated quote; ignored"
				continue
				;;
			esac
			;;
		\'*)
			val=${val#\'}
			case $val in
			*\'*) val=${val%%\'*} ;;
			*)
				warn "$ef:$n: unterminated quote; ignored"
				continue
				;;
			esac
			;;
		*)
			val=${val%%[[:space:]]#*}
			val=${val%"${val##*[![:space:]]}"}
			;;
		esac
		is_ours "$name" || continue
		# $name was checked above to be a plain identifier.
		eval "isset=\${$name+x}"
		[ -z "$isset" ] || continue
		export "$name=$val"
	done <"$ef"
}

shquote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Every exported variable igconnect reads, as NAME='value' lines.  Names
# come from env(1) and are checked to be identifiers before eval reads them.
write_stack_env() {
	{
		echo "# Written by tests/stack/igconnect-stack start: the environment of the programs,"
		echo "# plus a description of the stack.  Read it with: set -a; . $VAR/stack.env; set +a"
		for w_name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | sort -u); do
			is_ours "$w_name" || continue
			w_val=
			eval "w_val=\${$w_name}"
			printf '%s=%s\n' "$w_name" "$(shquote "$w_val")"
		done
	} >"$VAR/stack.env.tmp"
	mv -f "$VAR/stack.env.tmp" "$VAR/stack.env"
}
