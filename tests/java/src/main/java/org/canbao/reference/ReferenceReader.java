/* ReferenceReader.java -- reads every message of canbao's Avro topics on a
 * Kafka cluster with the reference clients written by others, to judge
 * canbao's own encoding independently: Apache Kafka's KafkaConsumer, and
 * Apache Avro's BinaryMessageDecoder, the reference implementation of the
 * single-object encoding (C3 01, the schema's CRC-64-AVRO fingerprint, the
 * datum), with the schemas of schemas/.
 *
 *   java ... org.canbao.reference.ReferenceReader BOOTSTRAP SCHEMA_DIR
 *        [CLIENT_PROPERTIES]
 *
 * Prints one JSON line a message, {"topic", "partition", "offset", "key",
 * "record"}, the record's fields as Avro's Java library gives them: dates
 * as days since 1970, timestamps as milliseconds, enums as their symbols,
 * bytes as base64.  Reads each topic from its beginning to the end offsets
 * it finds at the start, outside any consumer group.  A message that does
 * not decode is named on stderr (topic, partition, offset, why), and the
 * exit status is then 1; the counts per topic go to stderr. */
package org.canbao.reference;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class ReferenceReader {
    /* canbao's Avro topics and their schemas' files.  canbao.ownership.v1
     * is not here: it is the matchers' own packed format, not Avro. */
    private static final String[] KINDS = {"business", "household", "death",
        "enrollment", "assistance", "lead", "alert", "deadletter"};

    private ReferenceReader() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ReferenceReader BOOTSTRAP SCHEMA_DIR "
                               + "[CLIENT_PROPERTIES]");
            System.exit(2);
        }
        Properties props = new Properties();
        if (args.length > 2) {
            try (InputStream in = new FileInputStream(args[2])) {
                props.load(in);
            }
        }
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                  ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                  ByteArrayDeserializer.class.getName());
        PrintStream out = new PrintStream(System.out, false,
                                          StandardCharsets.UTF_8);
        int bad = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                 new KafkaConsumer<>(props)) {
            for (String kind : KINDS) {
                Schema schema = new Schema.Parser().parse(
                    Files.readString(Path.of(args[1], kind + ".avsc")));
                bad += readTopic(consumer, "canbao." + kind + ".v1",
                                 new BinaryMessageDecoder<>(GenericData.get(),
                                                            schema), out);
            }
        }
        out.flush();
        System.exit(bad == 0 ? 0 : 1);
    }

    /* Reads one topic from its beginning to the end offsets of now; returns
     * how many messages did not decode. */
    private static int readTopic(KafkaConsumer<byte[], byte[]> consumer,
                                 String topic,
                                 BinaryMessageDecoder<GenericRecord> decoder,
                                 PrintStream out) {
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic,
                                                      Duration.ofSeconds(30)))
            parts.add(new TopicPartition(topic, p.partition()));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts);
        long read = 0;
        int bad = 0;
        while (!reachedEnd(consumer, parts, end)) {
            for (ConsumerRecord<byte[], byte[]> r :
                     consumer.poll(Duration.ofMillis(500))) {
                TopicPartition tp = new TopicPartition(r.topic(),
                                                       r.partition());
                if (r.offset() >= end.get(tp))
                    continue;
                read++;
                try {
                    GenericRecord rec = decoder.decode(r.value());
                    StringBuilder sb = new StringBuilder();
                    sb.append("{\"topic\":");
                    json(sb, topic);
                    sb.append(",\"partition\":").append(r.partition());
                    sb.append(",\"offset\":").append(r.offset());
                    sb.append(",\"key\":");
                    json(sb, r.key() == null ? null
                             : new String(r.key(), StandardCharsets.UTF_8));
                    sb.append(",\"record\":");
                    json(sb, rec);
                    sb.append('}');
                    out.println(sb);
                } catch (Exception e) {
                    bad++;
                    System.err.println("ReferenceReader: " + topic + " "
                                       + r.partition() + " " + r.offset()
                                       + ": " + e);
                }
            }
        }
        System.err.println("ReferenceReader: " + topic + ": " + read
                           + " messages, " + bad + " did not decode");
        return bad;
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer,
                                      List<TopicPartition> parts,
                                      Map<TopicPartition, Long> end) {
        for (TopicPartition tp : parts)
            if (consumer.position(tp) < end.get(tp))
                return false;
        return true;
    }

    /* A value of Avro's generic representation as JSON. */
    private static void json(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof GenericRecord) {
            GenericRecord rec = (GenericRecord) v;
            sb.append('{');
            boolean first = true;
            for (Schema.Field f : rec.getSchema().getFields()) {
                if (!first)
                    sb.append(',');
                first = false;
                json(sb, f.name());
                sb.append(':');
                json(sb, rec.get(f.pos()));
            }
            sb.append('}');
        } else if (v instanceof Boolean || v instanceof Integer
                   || v instanceof Long) {
            sb.append(v);
        } else if (v instanceof ByteBuffer) {
            ByteBuffer b = ((ByteBuffer) v).duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            json(sb, Base64.getEncoder().encodeToString(bytes));
        } else {
            String s = v.toString(); /* Utf8, String, enum symbols */
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\')
                    sb.append('\\').append(c);
                else if (c < 0x20)
                    sb.append(String.format("\\u%04x", (int) c));
                else
                    sb.append(c);
            }
            sb.append('"');
        }
    }
}
