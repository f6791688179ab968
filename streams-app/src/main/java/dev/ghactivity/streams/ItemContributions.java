package dev.ghactivity.streams;

import dev.ghactivity.schemas.CommitEvent;
import dev.ghactivity.schemas.IssueEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Everything one input item (a commit, an issue or a PR, in its current state) counts in, for its repository.
 * Retracting an old state and adding the new one is exact: the same function maps both.
 */
record ItemContributions(String repo, List<Contribution> cells) {
    ItemContributions {
        cells = List.copyOf(cells);
    }

    /** A commit counts in its month (author date, or committer date when configured): as a bot's, or as its author's. */
    static ItemContributions ofCommit(CommitEvent c, ZoneId zone, boolean byCommitter) {
        String month = Months.of(byCommitter ? c.getCommitterDate() : c.getAuthorDate(), zone);
        AuthorIdentity author = AuthorIdentity.of(c);
        Contribution cell = author.bot() ? Contribution.of(Contribution.Metric.BOT_COMMIT, month)
                : new Contribution(Contribution.Metric.COMMIT, month, author.person(), 0);
        return new ItemContributions(c.getRepo(), List.of(cell));
    }

    /**
     * An issue counts as opened by {@code created_at} and, when closed, as closed by {@code closed_at} with its
     * time to close. A PR counts as opened, then as merged by {@code merged_at} with its time to merge, or as
     * closed unmerged by {@code closed_at}. A re-opened item has no {@code closed_at}: its close is retracted.
     */
    static ItemContributions ofIssue(IssueEvent i, ZoneId zone) {
        List<Contribution> cells = new ArrayList<>(2);
        Instant created = i.getCreatedAt();
        String createdMonth = Months.of(created, zone);
        if (i.getIsPullRequest()) {
            cells.add(Contribution.of(Contribution.Metric.PR_OPENED, createdMonth));
            if (i.getMergedAt() != null) {
                cells.add(new Contribution(Contribution.Metric.PR_MERGED, Months.of(i.getMergedAt(), zone), null,
                        Duration.between(created, i.getMergedAt()).toMillis()));
            } else if (i.getClosedAt() != null) {
                cells.add(Contribution.of(Contribution.Metric.PR_CLOSED_UNMERGED, Months.of(i.getClosedAt(), zone)));
            }
        } else {
            cells.add(Contribution.of(Contribution.Metric.ISSUE_OPENED, createdMonth));
            if (i.getClosedAt() != null) {
                cells.add(new Contribution(Contribution.Metric.ISSUE_CLOSED, Months.of(i.getClosedAt(), zone), null,
                        Duration.between(created, i.getClosedAt()).toMillis()));
            }
        }
        return new ItemContributions(i.getRepo(), cells);
    }

    void writeTo(DataOutputStream out) throws IOException {
        out.writeUTF(repo);
        out.writeShort(cells.size());
        for (Contribution c : cells) {
            out.writeByte(c.metric().ordinal());
            out.writeUTF(c.month());
            out.writeBoolean(c.author() != null);
            if (c.author() != null) {
                out.writeUTF(c.author());
            }
            out.writeLong(c.millis());
        }
    }

    static ItemContributions readFrom(DataInputStream in) throws IOException {
        String repo = in.readUTF();
        int n = in.readShort();
        List<Contribution> cells = new ArrayList<>(n);
        Contribution.Metric[] metrics = Contribution.Metric.values();
        for (int k = 0; k < n; k++) {
            Contribution.Metric metric = metrics[in.readByte()];
            String month = in.readUTF();
            String author = in.readBoolean() ? in.readUTF() : null;
            cells.add(new Contribution(metric, month, author, in.readLong()));
        }
        return new ItemContributions(repo, cells);
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static ItemContributions fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return readFrom(in);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not an item's contributions (" + bytes.length + " bytes)", e);
        }
    }
}
