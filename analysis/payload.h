/*
 * payload.h - header + payload objects: the integer field that counts the data after a header.
 *
 * kmalloc(sizeof(*hdr) + len) puts len bytes of data after a struct that usually keeps len
 * in a member (msg_msg's m_ts, user_key_payload's datalen, a name's length).  The struct is
 * then smaller than the cache's size class, and the bytes after it are payload, not padding:
 * owner scoring (owner.h) cannot find it among the structs that fill the slot.  Read from a
 * few objects of a cluster, such a member shows itself: object by object its value is the
 * number of bytes from one fixed offset, the header's end, to the object's data end (its last
 * non-zero byte), however long each object's data is.
 *
 * ms_payload_scan() looks at every 2-, 4- and 8-byte aligned field in the first
 * MS_PAYLOAD_HEAD bytes of each object: for each, the header end each object implies (data
 * end minus value); where one header end holds for at least 90 % of the objects (and 3 of
 * them), the field is kept (struct ms_length_field).  Values that are the same in every
 * object prove less: data ends that agree fit any constant, so such a field is kept only
 * where the counted bytes are text in every object (min == max, and owner.c weighs it lower).
 * A constant value that is the slot size minus an offset past which every object holds text
 * is kept as a slot field.  At most MS_PAYLOAD_MAX_FIELDS fields, those whose values vary
 * first.
 */
#ifndef MEMSIM_PAYLOAD_H
#define MEMSIM_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "pattern.h"

#define MS_PAYLOAD_HEAD 512		/* fields looked at: those in the first 512 bytes */
#define MS_PAYLOAD_MAX_OBJECT 16384	/* objects bigger than this are not read */
#define MS_PAYLOAD_MAX_OBJECTS 64	/* example objects read */

/*
 * Scan @n objects of @size bytes each, one after the other at @objs, into @out (cleared
 * first; @n above MS_PAYLOAD_MAX_OBJECTS counts only the first ones).  Never fails.
 */
void ms_payload_scan(const uint8_t *objs, size_t n, uint32_t size, struct ms_payload *out);

/*
 * Read the objects at @objects (@nr addresses, e.g. the cluster's examples) through @env and
 * scan them into @p->payload.  Objects that cannot be read are left out (their count is
 * @nr minus payload.sampled); nothing is read for objects over MS_PAYLOAD_MAX_OBJECT bytes
 * or when @env says stop.  Never fails: without memory it leaves payload.sampled at 0.
 */
void ms_pattern_payload(struct ms_pattern *p, const uint64_t *objects, size_t nr,
			const struct ms_env *env);

#endif
