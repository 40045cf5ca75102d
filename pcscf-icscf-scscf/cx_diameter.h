/* The registrar's Cx interface (cx_iface.h) implemented with the asynchronous Cx client of
 * lib/cx on the embedded freeDiameter core. */
#ifndef CSCF_CX_DIAMETER_H
#define CSCF_CX_DIAMETER_H

#include "cx_iface.h"

struct cscf_cx_diameter {
    unsigned timeout_ms; /* answer deadline of every request */
};

/* Fills ops so that they send through lib/cx with impl's settings (impl must outlive ops). */
void cscf_cx_diameter_ops(struct cscf_cx_diameter *impl, struct cscf_cx_ops *ops);

#endif
