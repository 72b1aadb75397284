/* fuzz_avro.c -- libFuzzer target: the Avro decoder (core/cb_codec.c) on
 * any bytes, with or without a valid single-object header.  The first byte
 * picks a kind whose header is put in front of the rest when it is 0x80 or
 * more (so the fuzzer reaches the datum decoders at once); otherwise the
 * bytes are the whole message.  A message that decodes is encoded again,
 * and that decodes to the same record, byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_codec.h"
#include "cb_record.h"

static cb_codec *codec;

static void free_codec(void)
{
    cb_codec_free(codec);
}

/* The codec lives for the whole run and is freed at exit, before the leak
 * check: avro-c keeps a few blocks (about 90 bytes, once) behind pointers
 * LeakSanitizer does not see while the codec lives; freed with it, they
 * are no leak (valgrind agrees in test_codec). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[512];

    (void)argc, (void)argv;
    if ((codec = cb_codec_new(err, sizeof(err))) == NULL)
        abort();
    atexit(free_codec);
    return 0;
}

/* libFuzzer calls this with each input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    cb_buf msg = {0}, again = {0}, third = {0};
    cb_record rec, rec2;
    cb_kind kind;

    if (size < 1)
        return 0;
    if (data[0] >= 0x80) {
        uint64_t fp = cb_codec_fingerprint(codec,
                                           (cb_kind)(data[0] % CB_KIND_COUNT));
        uint8_t head[10] = {0xC3, 0x01};
        for (int i = 0; i < 8; i++)
            head[2 + i] = (uint8_t)(fp >> (8 * i));
        cb_buf_append(&msg, head, sizeof(head));
        cb_buf_append(&msg, data + 1, size - 1);
    } else {
        cb_buf_append(&msg, data + 1, size - 1);
    }
    if (cb_codec_decode(codec, msg.data, msg.len, &kind, &rec.u, err,
                        sizeof(err)) == 0) {
        /* decoded: a second encode and decode changes nothing */
        if (cb_codec_encode(codec, kind, &rec.u, &again, err, sizeof(err)) ==
                0 &&
            cb_codec_decode(codec, again.data, again.len, &kind, &rec2.u, err,
                            sizeof(err)) == 0) {
            if (cb_codec_encode(codec, kind, &rec2.u, &third, err,
                                sizeof(err)) != 0 ||
                third.len != again.len ||
                memcmp(third.data, again.data, again.len) != 0)
                abort();
        }
    }
    cb_buf_free(&msg);
    cb_buf_free(&again);
    cb_buf_free(&third);
    return 0;
}
