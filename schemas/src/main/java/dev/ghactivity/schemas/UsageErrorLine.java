package dev.ghactivity.schemas;

import java.util.List;
import picocli.CommandLine;

/**
 * How every ghactivity command line answers an option it cannot parse (an unknown option, {@code 'x' is not an int}, a
 * missing value): one line on stderr, {@code <command>: <picocli's message> [(did you mean ...?)]; --help lists the
 * options}, and the command's {@code exitCodeOnInvalidInput} ({@link CliExitCodes#USAGE}), instead of picocli's
 * default of the message followed by the whole usage text. Installed as picocli's parameter exception handler.
 */
public final class UsageErrorLine implements CommandLine.IParameterExceptionHandler {
    private final String command;

    /** @param command the prefix of the line, e.g. {@code ghactivity-producer} */
    public UsageErrorLine(String command) {
        this.command = command;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        StringBuilder line = new StringBuilder(command).append(": ")
                .append(String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", " "));
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                line.append(" (did you mean ").append(String.join(", ", suggestions)).append("?)");
            }
        }
        commandLine.getErr().println(line.append("; --help lists the options"));
        return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }
}
