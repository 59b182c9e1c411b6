/*
 * Reference values of the Linux kernel's jhash() for raw byte strings, to pin JHash's tail handling
 * (1..12 trailing bytes) independently of the Java port. An own C rendering of the algorithm in
 * include/linux/jhash.h (Bob Jenkins' lookup3, public domain, with the kernel's changes): words
 * are read in the CPU's byte order with memcpy, as get_unaligned_cpu32 does, so run it on a
 * little-endian host (x86-64, arm64).
 *
 *   gcc -O2 -Wall -Wextra -o /tmp/jhash-ref testdata/jhash/jhash-ref.c
 *   /tmp/jhash-ref > balancer/src/test/resources/jhash/tail-vectors.csv
 *
 * Output: "length,initval,hash" rows; the key of length L is bytes key[0..L) with
 * key[i] = (i * 0x9d + 0x35) & 0xff (covers bytes >= 0x80, which a sign-extension bug would spoil).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ROL32(x, r) (((x) << (r)) | ((x) >> (32 - (r))))

static uint32_t word(const uint8_t *p)
{
	uint32_t w;
	memcpy(&w, p, 4); /* host byte order, like get_unaligned_cpu32 */
	return w;
}

static void mix(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*a -= *c; *a ^= ROL32(*c, 4);  *c += *b;
	*b -= *a; *b ^= ROL32(*a, 6);  *a += *c;
	*c -= *b; *c ^= ROL32(*b, 8);  *b += *a;
	*a -= *c; *a ^= ROL32(*c, 16); *c += *b;
	*b -= *a; *b ^= ROL32(*a, 19); *a += *c;
	*c -= *b; *c ^= ROL32(*b, 4);  *b += *a;
}

static void final(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*c ^= *b; *c -= ROL32(*b, 14);
	*a ^= *c; *a -= ROL32(*c, 11);
	*b ^= *a; *b -= ROL32(*a, 25);
	*c ^= *b; *c -= ROL32(*b, 16);
	*a ^= *c; *a -= ROL32(*c, 4);
	*b ^= *a; *b -= ROL32(*a, 14);
	*c ^= *b; *c -= ROL32(*b, 24);
}

static uint32_t jhash_ref(const uint8_t *k, uint32_t length, uint32_t initval)
{
	uint32_t a, b, c;
	uint32_t last[3] = {0, 0, 0};

	a = b = c = 0xdeadbeef + length + initval;
	while (length > 12) {
		a += word(k);
		b += word(k + 4);
		c += word(k + 8);
		mix(&a, &b, &c);
		length -= 12;
		k += 12;
	}
	if (length == 0)
		return c;
	/* the kernel's fall-through switch adds byte i at bit 8 * (i % 4) of word i / 4 */
	for (uint32_t i = 0; i < length; i++)
		last[i / 4] += (uint32_t)k[i] << (8 * (i % 4));
	a += last[0];
	b += last[1];
	c += last[2];
	final(&a, &b, &c);
	return c;
}

int main(void)
{
	static const uint32_t initvals[] = {0x0, 0x1, 0xdeadbeef, 0x9e3779b9, 0xffffffff};
	uint8_t key[64];

	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 0x9d + 0x35);
	printf("length,initval,hash\n");
	for (unsigned n = 0; n < sizeof(initvals) / sizeof(initvals[0]); n++)
		for (uint32_t len = 0; len <= 64; len++)
			printf("%u,0x%08x,0x%08x\n", len, initvals[n], jhash_ref(key, len, initvals[n]));
	return 0;
}
