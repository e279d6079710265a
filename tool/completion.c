// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `vfiokit completion bash|zsh|fish` writes the shell's completion script from the command
 * table, so that a new command or option is offered without editing three scripts. The
 * scripts ask `vfiokit __complete-devices` for the devices when an operand is a device.
 * These print with stdio, not output.c: a script or a list for a shell is not a report.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "macro.h"

static const struct vfk_cmd globals = {
	.options = vfk_global_options,
	.shortopts = vfk_global_shortopts,
	.hints = vfk_global_hints,
};

#define for_each_command(c, i)                                                                     \
	for (i = 0; i < vfk_n_commands && (c = vfk_commands[i]); i++)                              \
		if (!c->hidden)

static const struct vfk_opt_hint *find_hint(const struct vfk_cmd *c, const char *name)
{
	for (const struct vfk_opt_hint *h = c->hints; h && h->name; h++)
		if (streq(h->name, name))
			return h;
	return NULL;
}

/* The short option of @o, or 0. */
static char short_of(const struct vfk_cmd *c, const struct option *o)
{
	if (o->val <= ' ' || o->val > '~' || o->val == ':' || !c->shortopts)
		return 0;
	return strchr(c->shortopts, o->val) ? (char)o->val : 0;
}

static bool is_global(const struct vfk_cmd *c, const struct option *o)
{
	if (c == &globals)
		return false;
	for (const struct option *g = vfk_global_options; g->name; g++)
		if (streq(g->name, o->name))
			return true;
	return false;
}

/* @c's options without the global ones, which every command takes anyway. */
#define for_each_option(c, o)                                                                      \
	for (o = (c)->options; o && o->name; o++)                                                  \
		if (!is_global(c, o))

static enum vfk_arg arg_of(const struct vfk_cmd *c, const struct option *o)
{
	const struct vfk_opt_hint *h = find_hint(c, o->name);

	return h ? h->arg : ARG_NONE;
}

static const char *words_of(const struct vfk_cmd *c, const struct option *o)
{
	const struct vfk_opt_hint *h = find_hint(c, o->name);

	return h && h->words ? h->words : "";
}

/* @s for inside single quotes in zsh, ':' as "\:" for _describe. */
static void put_zsh_desc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else if (*s == ':')
			fputs("\\:", f);
		else
			fputc(*s, f);
	}
}

static void put_fish(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* The global options that take a value ("--root"), each between @before and @after. */
static void globals_with_value(FILE *f, const char *before, const char *after, const char *sep)
{
	const struct option *o;
	const char *s = "";

	for_each_option(&globals, o) {
		if (o->has_arg == required_argument) {
			fprintf(f, "%s%s--%s%s", s, before, o->name, after);
			s = sep;
		}
	}
}

/* ---- bash ---- */

/* Sets COMPREPLY to the candidates for @cur (a shell expression) of kind @arg. */
static void bash_action(FILE *f, enum vfk_arg arg, const char *words, const char *cur)
{
	switch (arg) {
	case ARG_FILE:
	case ARG_DIR:
		fprintf(f,
			"compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -%c -- "
			"%s)",
			arg == ARG_DIR ? 'd' : 'f', cur);
		break;
	case ARG_DEVICE:
		fprintf(f, "mapfile -t COMPREPLY < <(compgen -W \"$(_vfiokit_devices)\" -- %s)",
			cur);
		break;
	case ARG_WORDS:
		fprintf(f, "mapfile -t COMPREPLY < <(compgen -W '%s' -- %s)", words, cur);
		break;
	case ARG_COMMAND:
		fprintf(f, "mapfile -t COMPREPLY < <(compgen -W \"$_vfiokit_commands\" -- %s)",
			cur);
		break;
	default:
		fputs("COMPREPLY=()", f);
	}
}

/* The case branch of _vfiokit_value() for @o, whose command is @pat ("*" for any). */
static void bash_value_case(FILE *f, const struct vfk_cmd *c, const char *pat,
			    const struct option *o)
{
	char s = short_of(c, o);

	if (o->has_arg == no_argument)
		return;
	fprintf(f, "\t%s:--%s=", pat, o->name);
	if (o->has_arg == required_argument) {
		fprintf(f, " | %s:--%s", pat, o->name);
		if (s)
			fprintf(f, " | %s:-%c", pat, s);
	}
	fputs(")\n\t\t", f);
	bash_action(f, arg_of(c, o), words_of(c, o), "\"$3\"");
	fputs(" ;;\n", f);
}

static void bash_option_words(FILE *f, const struct vfk_cmd *c)
{
	const struct option *o;
	const char *sep = "";

	for_each_option(c, o) {
		char s = short_of(c, o);

		fprintf(f, "%s--%s", sep, o->name);
		if (s)
			fprintf(f, " -%c", s);
		sep = " ";
	}
}

static void print_bash(FILE *f)
{
	const struct vfk_cmd *c;
	const struct option *o;
	const char *sep = "";
	size_t i;

	fputs("# bash completion for vfiokit, written by `vfiokit completion bash`.\n\n"
	      "_vfiokit_commands='",
	      f);
	for_each_command(c, i) {
		fprintf(f, "%s%s", sep, c->name);
		sep = " ";
	}
	fputs("'\n\n"
	      "_vfiokit_devices()\n{\n"
	      "\tvfiokit \"${_vfiokit_globals[@]}\" __complete-devices 2>/dev/null | cut -f1\n"
	      "}\n\n"
	      "# Completes the value of option $2 (\"--name=\" when in the same word) of command "
	      "$1.\n"
	      "_vfiokit_value()\n{\n\tcase $1:$2 in\n",
	      f);
	for_each_option(&globals, o)
		bash_value_case(f, &globals, "*", o);
	for_each_command(c, i)
		for_each_option(c, o)
			bash_value_case(f, c, c->name, o);
	fputs("\t*) return 1 ;;\n\tesac\n}\n\n_vfiokit_options()\n{\n\tcase $1 in\n", f);
	for_each_command(c, i) {
		fprintf(f, "\t%s) echo '", c->name);
		bash_option_words(f, c);
		fputs("' ;;\n", f);
	}
	fputs("\tesac\n\techo '", f);
	bash_option_words(f, &globals);
	fputs("'\n}\n\n_vfiokit_operands()\n{\n\tcase $1 in\n", f);
	for_each_command(c, i) {
		if (c->operands == ARG_NONE)
			continue;
		fprintf(f, "\t%s) ", c->name);
		bash_action(f, c->operands, "", "\"$2\"");
		fputs(" ;;\n", f);
	}
	fputs("\tesac\n}\n\n"
	      "_vfiokit()\n{\n"
	      "\t# Words split at blanks only: COMP_WORDS is also split at the ':' of addresses.\n"
	      "\tlocal line=${COMP_LINE:0:COMP_POINT} cur prev cmd= tail i n\n"
	      "\tlocal -a w _vfiokit_globals\n"
	      "\tread -ra w <<<\"$line\"\n"
	      "\t[[ -z $line || $line == *[[:space:]] ]] && w+=(\"\")\n"
	      "\tn=${#w[@]}\n"
	      "\t((n < 2)) && return 0\n"
	      "\tcur=${w[n-1]} prev=${w[n-2]}\n"
	      "\tfor ((i = 1; i < n - 1; i++)); do\n"
	      "\t\tcase ${w[i]} in\n"
	      "\t\t--) [[ -n $cmd ]] && return 0 ;;\n",
	      f);
	/* The globals with a value go to __complete-devices: --root, --pci-ids. */
	fputs("\t\t", f);
	globals_with_value(f, "", "", " | ");
	fputs(") _vfiokit_globals+=(\"${w[i]}\" \"${w[i+1]}\"); ((i++)) ;;\n\t\t", f);
	globals_with_value(f, "", "=*", " | ");
	fputs(") _vfiokit_globals+=(\"${w[i]}\") ;;\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) [[ -z $cmd ]] && cmd=${w[i]} ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tif [[ $cur == --*=* ]]; then\n"
	      "\t\t_vfiokit_value \"$cmd\" \"${cur%%=*}=\" \"${cur#*=}\" || return 0\n"
	      "\t\tCOMPREPLY=(\"${COMPREPLY[@]/#/${cur%%=*}=}\")\n"
	      "\telif _vfiokit_value \"$cmd\" \"$prev\" \"$cur\"; then\n"
	      "\t\t:\n"
	      "\telif [[ $cur == -* ]]; then\n"
	      "\t\tmapfile -t COMPREPLY < <(compgen -W \"$(_vfiokit_options \"$cmd\")\" -- "
	      "\"$cur\")\n"
	      "\telif [[ -z $cmd ]]; then\n"
	      "\t\tmapfile -t COMPREPLY < <(compgen -W \"$_vfiokit_commands\" -- \"$cur\")\n"
	      "\telse\n"
	      "\t\t_vfiokit_operands \"$cmd\" \"$cur\"\n"
	      "\tfi\n"
	      "\t# Readline replaces only what follows the word's last ':' or '=' "
	      "(COMP_WORDBREAKS).\n"
	      "\ttail=$cur\n"
	      "\t[[ $COMP_WORDBREAKS == *:* ]] && tail=${tail##*:}\n"
	      "\t[[ $COMP_WORDBREAKS == *=* ]] && tail=${tail##*=}\n"
	      "\tif [[ $tail != \"$cur\" && ${#COMPREPLY[@]} -gt 0 ]]; then\n"
	      "\t\tCOMPREPLY=(\"${COMPREPLY[@]#\"${cur%\"$tail\"}\"}\")\n"
	      "\tfi\n"
	      "\treturn 0\n"
	      "}\n\n"
	      "complete -F _vfiokit vfiokit\n",
	      f);
}

/* ---- zsh ---- */

/* How zsh and fish complete a value of each kind; fixed words go between the two parts. */
struct shell_actions {
	const char *file, *dir, *device, *words_before, *words_after, *command, *other;
};

static void put_action(FILE *f, const struct shell_actions *sh, enum vfk_arg arg, const char *words)
{
	switch (arg) {
	case ARG_FILE:
		fputs(sh->file, f);
		break;
	case ARG_DIR:
		fputs(sh->dir, f);
		break;
	case ARG_DEVICE:
		fputs(sh->device, f);
		break;
	case ARG_WORDS:
		fprintf(f, "%s%s%s", sh->words_before, words, sh->words_after);
		break;
	case ARG_COMMAND:
		fputs(sh->command, f);
		break;
	default:
		fputs(sh->other, f);
	}
}

static const struct shell_actions zsh_actions = {
	.file = "_files",
	.dir = "_directories",
	.device = "_vfiokit_devices",
	.words_before = "compadd -- ",
	.words_after = "",
	.command = "_vfiokit_commands",
	.other = "_message value",
};

static void zsh_value_case(FILE *f, const struct vfk_cmd *c, const char *pat,
			   const struct option *o)
{
	char s = short_of(c, o);

	if (o->has_arg == no_argument)
		return;
	fprintf(f, "\t(%s:--%s=", pat, o->name);
	if (o->has_arg == required_argument) {
		fprintf(f, "|%s:--%s", pat, o->name);
		if (s)
			fprintf(f, "|%s:-%c", pat, s);
	}
	fputs(") ", f);
	put_action(f, &zsh_actions, arg_of(c, o), words_of(c, o));
	fputs(" ;;\n", f);
}

static void zsh_option_words(FILE *f, const struct vfk_cmd *c)
{
	const struct option *o;

	for_each_option(c, o) {
		const struct vfk_opt_hint *h = find_hint(c, o->name);
		char s = short_of(c, o);

		fprintf(f, " '--%s", o->name);
		if (h && h->help) {
			fputc(':', f);
			put_zsh_desc(f, h->help);
		}
		fputc('\'', f);
		if (s)
			fprintf(f, " -%c", s);
	}
}

static void print_zsh(FILE *f)
{
	const struct vfk_cmd *c;
	const struct option *o;
	size_t i;

	fputs("#compdef vfiokit\n"
	      "# zsh completion for vfiokit, written by `vfiokit completion zsh`.\n\n"
	      "_vfiokit_commands()\n{\n\tlocal -a cmds=(\n",
	      f);
	for_each_command(c, i) {
		fprintf(f, "\t\t'%s:", c->name);
		put_zsh_desc(f, c->help);
		fputs("'\n", f);
	}
	fputs("\t)\n\t_describe -t commands 'vfiokit command' cmds\n}\n\n"
	      "_vfiokit_devices()\n{\n"
	      "\tlocal -a devs\n\tlocal line\n"
	      "\tfor line in ${(f)\"$(vfiokit \"${_vfiokit_globals[@]}\" __complete-devices "
	      "2>/dev/null)\"}; do\n"
	      "\t\tdevs+=(\"${${line%%$'\\t'*}//:/\\\\:}:${line#*$'\\t'}\")\n"
	      "\tdone\n"
	      "\t_describe -t devices 'PCI device' devs\n}\n\n"
	      "# Completes the value of option $2 (\"--name=\" when in the same word) of command "
	      "$1.\n"
	      "_vfiokit_value()\n{\n\tcase $1:$2 in\n",
	      f);
	for_each_option(&globals, o)
		zsh_value_case(f, &globals, "*", o);
	for_each_command(c, i)
		for_each_option(c, o)
			zsh_value_case(f, c, c->name, o);
	fputs("\t(*) return 1 ;;\n\tesac\n\treturn 0\n}\n\n"
	      "_vfiokit_options()\n{\n\tlocal -a opts\n\tcase $1 in\n",
	      f);
	for_each_command(c, i) {
		fprintf(f, "\t(%s) opts=(", c->name);
		zsh_option_words(f, c);
		fputs(" ) ;;\n", f);
	}
	fputs("\tesac\n\topts+=(", f);
	zsh_option_words(f, &globals);
	fputs(" )\n\t_describe -t options option opts\n}\n\n"
	      "_vfiokit_operands()\n{\n\tcase $1 in\n",
	      f);
	for_each_command(c, i) {
		if (c->operands == ARG_NONE)
			continue;
		fprintf(f, "\t(%s) ", c->name);
		put_action(f, &zsh_actions, c->operands, "");
		fputs(" ;;\n", f);
	}
	fputs("\tesac\n}\n\n"
	      "_vfiokit()\n{\n"
	      "\tlocal -a w _vfiokit_globals\n"
	      "\tlocal cmd= i\n"
	      "\tw=(\"${(@)words[1,CURRENT-1]}\")\n"
	      "\tfor ((i = 2; i <= $#w; i++)); do\n"
	      "\t\tcase $w[i] in\n"
	      "\t\t(--) [[ -n $cmd ]] && return 1 ;;\n\t\t(",
	      f);
	globals_with_value(f, "", "", "|");
	fputs(") _vfiokit_globals+=($w[i] ${(Q)w[i+1]}); ((i++)) ;;\n\t\t(", f);
	globals_with_value(f, "", "=*", "|");
	fputs(") _vfiokit_globals+=(${(Q)w[i]}) ;;\n"
	      "\t\t(-*) ;;\n"
	      "\t\t(*) [[ -z $cmd ]] && cmd=$w[i] ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tif [[ $PREFIX == --*=* ]]; then\n"
	      "\t\tlocal opt=${PREFIX%%=*}=\n"
	      "\t\tcompset -P '*='\n"
	      "\t\t_vfiokit_value \"$cmd\" \"$opt\"\n"
	      "\telif (( $#w > 1 )) && _vfiokit_value \"$cmd\" \"$w[-1]\"; then\n"
	      "\t\t:\n"
	      "\telif [[ $PREFIX == -* ]]; then\n"
	      "\t\t_vfiokit_options \"$cmd\"\n"
	      "\telif [[ -z $cmd ]]; then\n"
	      "\t\t_vfiokit_commands\n"
	      "\telse\n"
	      "\t\t_vfiokit_operands \"$cmd\"\n"
	      "\tfi\n"
	      "}\n\n"
	      "# Autoloaded from fpath this file is the function itself; sourced, it registers "
	      "it.\n"
	      "if [[ $funcstack[1] == _vfiokit ]]; then\n"
	      "\t_vfiokit \"$@\"\n"
	      "elif (( $+functions[compdef] )); then\n"
	      "\tcompdef _vfiokit vfiokit\n"
	      "fi\n",
	      f);
}

/* ---- fish ---- */

static const struct shell_actions fish_actions = {
	.file = " -r -F",
	.dir = " -x -a '(__fish_complete_directories (commandline -ct))'",
	.device = " -x -a '(__vfiokit_devices)'",
	.words_before = " -x -a '",
	.words_after = "'",
	.command = " -x -a '(__vfiokit_commands)'",
	.other = " -x",
};

static void fish_options(FILE *f, const struct vfk_cmd *c, const char *cond)
{
	const struct option *o;

	for_each_option(c, o) {
		const struct vfk_opt_hint *h = find_hint(c, o->name);
		char s = short_of(c, o);

		fputs("complete -c vfiokit", f);
		if (cond)
			fprintf(f, " -n '__vfiokit_using %s'", cond);
		if (s)
			fprintf(f, " -s %c", s);
		fprintf(f, " -l %s", o->name);
		/* fish has no optional values: --print offers "--print=" alone. */
		if (o->has_arg == required_argument)
			put_action(f, &fish_actions, arg_of(c, o), words_of(c, o));
		if (h && h->help) {
			fputs(" -d ", f);
			put_fish(f, h->help);
		}
		fputc('\n', f);
	}
}

static void print_fish(FILE *f)
{
	const struct vfk_cmd *c;
	size_t i;

	fputs("# fish completion for vfiokit, written by `vfiokit completion fish`.\n\n"
	      "function __vfiokit_commands\n",
	      f);
	for_each_command(c, i) {
		fprintf(f, "\tprintf '%%s\\t%%s\\n' %s ", c->name);
		put_fish(f, c->help);
		fputc('\n', f);
	}
	/* The command is the first word that is not an option nor a global option's value. */
	fputs("end\n\n"
	      "function __vfiokit_command\n"
	      "\tset -l w (commandline -opc)\n"
	      "\tset -e w[1]\n"
	      "\tset -l skip 0\n"
	      "\tfor a in $w\n"
	      "\t\tif test $skip = 1\n"
	      "\t\t\tset skip 0\n"
	      "\t\t\tcontinue\n"
	      "\t\tend\n"
	      "\t\tswitch $a\n"
	      "\t\t\tcase ",
	      f);
	globals_with_value(f, "", "", " ");
	fputs("\n"
	      "\t\t\t\tset skip 1\n"
	      "\t\t\tcase '-*'\n"
	      "\t\t\tcase '*'\n"
	      "\t\t\t\tprintf '%s\\n' $a\n"
	      "\t\t\t\treturn 0\n"
	      "\t\tend\n"
	      "\tend\n"
	      "\treturn 1\n"
	      "end\n\n"
	      "function __vfiokit_using\n"
	      "\tset -l c (__vfiokit_command)\n"
	      "\ttest \"$c\" = $argv[1]\n"
	      "end\n\n"
	      "# --root and --pci-ids given so far, for __complete-devices.\n"
	      "function __vfiokit_globals\n"
	      "\tset -l w (commandline -opc)\n"
	      "\tset -e w[1]\n"
	      "\tset -l next 0\n"
	      "\tfor a in $w\n"
	      "\t\tif test $next = 1\n"
	      "\t\t\tprintf '%s\\n' $a\n"
	      "\t\t\tset next 0\n"
	      "\t\t\tcontinue\n"
	      "\t\tend\n"
	      "\t\tswitch $a\n"
	      "\t\t\tcase ",
	      f);
	globals_with_value(f, "", "", " ");
	fputs("\n"
	      "\t\t\t\tprintf '%s\\n' $a\n"
	      "\t\t\t\tset next 1\n"
	      "\t\t\tcase ",
	      f);
	globals_with_value(f, "'", "=*'", " ");
	fputs("\n"
	      "\t\t\t\tprintf '%s\\n' $a\n"
	      "\t\tend\n"
	      "\tend\n"
	      "end\n\n"
	      "function __vfiokit_devices\n"
	      "\tvfiokit (__vfiokit_globals) __complete-devices 2>/dev/null\n"
	      "end\n\n"
	      "complete -c vfiokit -f\n"
	      "complete -c vfiokit -n 'not __vfiokit_command' -a '(__vfiokit_commands)'\n",
	      f);
	fish_options(f, &globals, NULL);
	for_each_command(c, i) {
		fish_options(f, c, c->name);
		if (c->operands != ARG_NONE) {
			fprintf(f, "complete -c vfiokit -n '__vfiokit_using %s'", c->name);
			put_action(f, &fish_actions, c->operands, "");
			fputc('\n', f);
		}
	}
}

static int completion_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	static const struct {
		const char *name;
		void (*print)(FILE *f);
	} shells[] = {
		{"bash", print_bash},
		{"zsh", print_zsh},
		{"fish", print_fish},
	};

	if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
		print_help("Usage: vfiokit completion bash|zsh|fish\n\n"
			   "Print the shell's completion script for vfiokit.");
		return EXIT_OK;
	}
	for (size_t i = 0; argc == 2 && i < ARRAY_SIZE(shells); i++) {
		if (streq(argv[1], shells[i].name)) {
			/* A script, for shells: no JSON document, --json or not. */
			output_skip_document();
			shells[i].print(stdout);
			return EXIT_OK;
		}
	}
	return usage_error("completion", "expected one shell: bash, zsh or fish");
}

const struct vfk_cmd vfk_cmd_completion = {
	.name = "completion",
	.run = completion_run,
	.help = "Print a shell's completion script",
	.no_ctx = true,
	.hidden = true,
};

/* One line per device: the address, a tab, and the vendor's and device's names. */
static int complete_devices_run(struct vfk_ctx *ctx, int argc, char *argv[])
{
	struct vfk_device **devs = NULL;
	size_t n = 0;
	int r;

	r = vfk_ctx_get_devices(ctx, &devs, &n);
	if (r < 0) {
		log_error("listing PCI devices: %s", strerror(-r));
		return EXIT_NOT_READY;
	}
	output_skip_document();
	for (size_t i = 0; i < n; i++) {
		const char *vname = vfk_device_get_vendor_name(devs[i]);
		const char *dname = vfk_device_get_device_name(devs[i]);
		uint16_t v = 0, d = 0;

		printf("%s\t", vfk_device_get_bdf(devs[i]));
		if (vname && dname)
			printf("%s %s\n", vname, dname);
		else if (vfk_device_get_ids(devs[i], &v, &d) == 0)
			printf("%s device [%04x:%04x]\n", vname ? vname : "Unknown", v, d);
		else
			puts("Unknown device");
	}
	vfk_device_list_free(devs, n);
	return EXIT_OK;
}

const struct vfk_cmd vfk_cmd_complete_devices = {
	.name = "__complete-devices",
	.run = complete_devices_run,
	.help = "List the devices for completion scripts",
	.hidden = true,
};
