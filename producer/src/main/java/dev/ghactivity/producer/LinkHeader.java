package dev.ghactivity.producer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code Link} header of RFC 8288 (section 3): {@code <target>; rel="next last"; title="a, b", <...>; rel=prev}.
 * OkHttp has no parser for it and the Java libraries that do (JAX-RS {@code Link}, Spring HATEOAS) would bring a web
 * framework into the fat jar for one header, so this is a small scanner: commas inside {@code <...>} or a quoted
 * string do not split links, {@code rel} may hold several space-separated types (compared case-insensitively,
 * section 3.3), and parameter values may be tokens or quoted strings with {@code \} escapes.
 */
final class LinkHeader {
    /** One link: its target as written (maybe relative) and its relation types, lower case. */
    record Link(String target, List<String> rels) {
    }

    private LinkHeader() {
    }

    /** The target of the first link whose {@code rel} includes {@code rel}, or null (also for a null header). */
    static String target(String header, String rel) {
        for (Link link : parse(header)) {
            if (link.rels().contains(rel.toLowerCase(Locale.ROOT))) {
                return link.target();
            }
        }
        return null;
    }

    /** Every well-formed link of the header, in order; a malformed one (no {@code <...>}) ends the parse. */
    static List<Link> parse(String header) {
        List<Link> links = new ArrayList<>();
        if (header == null) {
            return links;
        }
        int i = 0;
        int n = header.length();
        while (i < n) {
            i = skipSpaceAndCommas(header, i);
            if (i >= n || header.charAt(i) != '<') {
                break;
            }
            int close = header.indexOf('>', i + 1);
            if (close < 0) {
                break;
            }
            String target = header.substring(i + 1, close).trim();
            i = close + 1;
            List<String> rels = new ArrayList<>();
            // Parameters: ; name [= token | quoted-string], until the comma that ends this link.
            while (true) {
                i = skipSpace(header, i);
                if (i >= n || header.charAt(i) != ';') {
                    break;
                }
                i = skipSpace(header, i + 1);
                int nameStart = i;
                while (i < n && "=;, \t".indexOf(header.charAt(i)) < 0) {
                    i++;
                }
                String name = header.substring(nameStart, i).toLowerCase(Locale.ROOT);
                i = skipSpace(header, i);
                String value = "";
                if (i < n && header.charAt(i) == '=') {
                    i = skipSpace(header, i + 1);
                    StringBuilder v = new StringBuilder();
                    if (i < n && header.charAt(i) == '"') {
                        i++;
                        while (i < n && header.charAt(i) != '"') {
                            if (header.charAt(i) == '\\' && i + 1 < n) {
                                i++;
                            }
                            v.append(header.charAt(i++));
                        }
                        i++; // the closing quote
                    } else {
                        while (i < n && ";, \t".indexOf(header.charAt(i)) < 0) {
                            v.append(header.charAt(i++));
                        }
                    }
                    value = v.toString();
                }
                // Section 3.3: a link has one rel; occurrences after the first are ignored.
                if (name.equals("rel") && rels.isEmpty()) {
                    for (String type : value.trim().split("\\s+")) {
                        if (!type.isEmpty()) {
                            rels.add(type.toLowerCase(Locale.ROOT));
                        }
                    }
                }
            }
            links.add(new Link(target, List.copyOf(rels)));
            // Anything else up to the next comma is not part of a well-formed link: skip it.
            while (i < n && header.charAt(i) != ',') {
                i++;
            }
        }
        return links;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int skipSpaceAndCommas(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == ',')) {
            i++;
        }
        return i;
    }
}
