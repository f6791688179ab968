package dev.ghactivity.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghactivity.producer.LinkHeader.Link;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8288 section 3 forms, and GitHub's own header as recorded. */
class LinkHeaderTest {
    @Test
    void githubsHeaderGivesTheNextTarget() {
        String header = "<https://api.github.com/repositories/515435940/issues?per_page=3&page=2>; rel=\"next\", "
                + "<https://api.github.com/repositories/515435940/issues?per_page=3&page=5>; rel=\"last\"";
        assertThat(LinkHeader.target(header, "next")).isEqualTo("https://api.github.com/repositories/515435940/issues?per_page=3&page=2");
        assertThat(LinkHeader.target(header, "prev")).isNull();
        assertThat(LinkHeader.target(null, "next")).isNull();
    }

    @Test
    void commasAndSemicolonsInsideTargetsOrQuotedValuesDoNotSplitLinks() {
        String header = "</a?x=1,2;3>; title=\"one, two; three\"; rel=\"prev\", </b>;rel=next";
        assertThat(LinkHeader.parse(header)).containsExactly(new Link("/a?x=1,2;3", List.of("prev")), new Link("/b", List.of("next")));
    }

    @Test
    void relHoldsSeveralTypesComparedCaseInsensitivelyAndOnlyTheFirstRelCounts() {
        assertThat(LinkHeader.target("</both>; REL=\"Next Last\"", "next")).isEqualTo("/both");
        assertThat(LinkHeader.target("</x>; rel=\"prev\"; rel=\"next\"", "next")).isNull();
        assertThat(LinkHeader.target("</esc>; title=\"a \\\"quoted\\\" title\"; rel=next", "next")).isEqualTo("/esc");
    }

    @Test
    void aMalformedLinkEndsTheParseWithoutInventingOne() {
        assertThat(LinkHeader.parse("garbage; rel=next")).isEmpty();
        assertThat(LinkHeader.parse("</ok>; rel=next, <unterminated; rel=last")).containsExactly(new Link("/ok", List.of("next")));
    }
}
