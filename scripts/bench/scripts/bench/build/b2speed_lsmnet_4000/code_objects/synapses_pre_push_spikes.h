#ifndef _INCLUDED_synapses_pre_push_spikes
#define _INCLUDED_synapses_pre_push_spikes

void _run_synapses_pre_push_spikes();


#endif
